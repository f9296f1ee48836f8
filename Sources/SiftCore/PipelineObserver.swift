/// Receives what happens inside the pipeline, so that metrics (or anything
/// else) can be derived without the domain knowing about them. Calls are made
/// from the query's task; implementations must be cheap and must not block.
public protocol PipelineObserver: Sendable {
    /// A query was accepted.
    func queryStarted(_ id: QueryID)
    /// An event left the pipeline.
    func eventEmitted(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration)
    /// The first event of `type` (status, source, delta) left the pipeline.
    func firstEvent(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration)
    /// A stage finished, successfully or not.
    func stageCompleted(_ id: QueryID, stage: Stage, duration: Duration)
    /// A provider answered or failed; `status` is `ok`, `empty`, or an error code.
    func providerCompleted(_ id: QueryID, provider: String, status: String, duration: Duration)
    /// A provider had to wait for, or retry after, its upstream's rate limit.
    func providerRateLimited(_ id: QueryID, provider: String)
    /// A page was read, failed or skipped; `outcome` is the `fetch` event's state
    /// (`done`, `failed`, `skipped`), `bytes` what arrived.
    func fetchCompleted(_ id: QueryID, outcome: PipelineEvent.Fetch.State, bytes: Int, duration: Duration)
    /// The query ended.
    func queryFinished(_ id: QueryID, outcome: PipelineEvent.Outcome, duration: Duration)
}

extension PipelineObserver {
    public func queryStarted(_ id: QueryID) {}
    public func eventEmitted(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration) {}
    public func firstEvent(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration) {}
    public func stageCompleted(_ id: QueryID, stage: Stage, duration: Duration) {}
    public func providerCompleted(_ id: QueryID, provider: String, status: String, duration: Duration) {}
    public func providerRateLimited(_ id: QueryID, provider: String) {}
    public func fetchCompleted(_ id: QueryID, outcome: PipelineEvent.Fetch.State, bytes: Int, duration: Duration) {}
    public func queryFinished(_ id: QueryID, outcome: PipelineEvent.Outcome, duration: Duration) {}
}

/// An observer that ignores everything.
public struct NoopPipelineObserver: PipelineObserver {
    public init() {}
}
