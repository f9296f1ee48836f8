import SiftCore
import Synchronization

/// The query runner siftd serves with, replaceable while it serves: a configuration
/// reload (SIGHUP) builds a new runner from the new settings and swaps it in here.
///
/// A query keeps the runner it started with to its end, so open streams finish on the
/// configuration they began with; queries prepared after ``replace(with:allowedModels:)``
/// use the new one. The models a request may name follow the same swap, so a reload
/// that changes `SIFT_LLM_ALLOW_MODELS` applies to the next request.
public final class ReloadableRunner: QueryRunning {
    private struct Current: Sendable {
        var runner: any QueryRunning
        var allowedModels: Set<String>?
    }

    private let current: Mutex<Current>

    /// - Parameters:
    ///   - runner: The runner to start with.
    ///   - allowedModels: Models a request may name in `models`; nil allows any.
    public init(_ runner: any QueryRunning, allowedModels: Set<String>?) {
        current = Mutex(Current(runner: runner, allowedModels: allowedModels))
    }

    /// Serves later queries with `runner`; queries already running are not touched.
    public func replace(with runner: any QueryRunning, allowedModels: Set<String>?) {
        current.withLock { $0 = Current(runner: runner, allowedModels: allowedModels) }
    }

    /// The runner new queries get now.
    public var runner: any QueryRunning { current.withLock { $0.runner } }

    public func prepare(_ request: QueryRequest) async throws(QueryError) -> PreparedQuery {
        let now = current.withLock { $0 }
        try QueryOptions.check(request.models, allowed: now.allowedModels)
        return try await now.runner.prepare(request)
    }

    public func check(_ controls: SearchControls) throws(QueryError) { try runner.check(controls) }

    public func run(id: QueryID, prepared: PreparedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
    {
        await runner.run(id: id, prepared: prepared, emit: emit)
    }
}
