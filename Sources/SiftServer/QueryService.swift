import Logging
import ServiceLifecycle
import SiftCore

/// The query machine: every route admits its query here, and this service runs it and
/// records each event, once, in the query's ``QueryLog``, which its readers follow.
///
/// - `GET /v1/answer/stream` admits a query that is not resumable and reads its log
///   (``QueryLogReader``): when its reader leaves before `done`, the query is cancelled.
/// - `POST /v1/answer` admits the same kind and folds the log into one document.
/// - `POST /v1/queries` admits a resumable query: it runs to its end, read or not, and
///   readers replay and follow it from any `Last-Event-ID`; `DELETE` cancels it.
///
/// Each query runs as a child task of ``run()``, not of the request that started it.
/// Admission takes the query's ``StreamRegistry`` slot (`SIFT_MAX_STREAMS`) and its place
/// in the ``QueryStore`` synchronously, in the request handler, so a refusal is a plain
/// 429/503 before any response head is written. On graceful shutdown the registry asks
/// each running query to stop (its log gets `error{shutting_down}`, then `done`); the
/// service takes no new query and waits for those it runs.
public final class QueryService: Service, Sendable {
    struct Job: Sendable {
        var log: QueryLog
        var prepared: PreparedQuery
    }

    let store: QueryStore
    /// The shared store's side, when several replicas serve as one (PostgreSQL); nil with the memory backend.
    let replication: QueryReplication?
    private let runner: any QueryRunning
    private let registry: StreamRegistry
    private let logger: Logger
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation

    /// Events a reader of a query that is not resumable may fall behind (`SIFT_STREAM_BUFFER`).
    let slowReaderLimit: Int

    init(
        store: QueryStore, runner: any QueryRunning, registry: StreamRegistry, slowReaderLimit: Int, logger: Logger,
        shared: (any SharedQueryStore)? = nil, storeMetrics: StoreMetrics? = nil, storePollInterval: Duration = .seconds(1),
        storeGrace: Duration = .seconds(3)
    ) {
        self.store = store
        self.replication = shared.map {
            QueryReplication(
                store: $0, queries: store, metrics: storeMetrics, logger: logger, pollInterval: storePollInterval,
                storeGrace: storeGrace)
        }
        self.slowReaderLimit = slowReaderLimit
        self.runner = runner
        self.registry = registry
        self.logger = logger
        // Unbounded, but every job holds a registry slot: at most `SIFT_MAX_STREAMS` wait here.
        (jobs, submit) = AsyncStream.makeStream()
    }

    /// Admits query `id` (`overloaded`, `shutting_down`) and hands it to ``run()``; its events
    /// go to the log returned. A query that is not `resumable` is cancelled when its last
    /// reader leaves, and its readers are dropped beyond `slowReaderLimit` events behind.
    /// `owner` is who asked (`SiftRequestContext.client`), kept on the log and the session turn.
    func admit(id: QueryID, prepared: PreparedQuery, resumable: Bool, owner: String = "") async throws(QueryError)
        -> QueryLog
    {
        var prepared = prepared
        prepared.context.owner = owner
        let log = QueryLog(
            id: id, session: prepared.context.session, maxBytes: store.limits.maxQueryBytes, store: store,
            resumable: resumable, slowReaderLimit: slowReaderLimit, replicated: replication != nil, clock: store.clock,
            onEnded: { [registry] in registry.unregister(id) }, owner: owner)
        try registry.register(id) { _ in log.stop(.shutdown) }
        do {
            try store.admit(log)
        } catch {
            registry.unregister(id)
            throw error
        }
        if let replication {
            do {
                try await replication.create(id: id, session: log.session, resumable: resumable)
            } catch {
                store.remove(id)
                registry.unregister(id)
                throw error
            }
        }
        if case .terminated = submit.yield(Job(log: log, prepared: prepared)) {
            store.remove(id)
            registry.unregister(id)
            throw QueryError.shuttingDown
        }
        return log
    }

    /// The log of query `id` (`query_not_found`, `query_expired`); with a shared store, a mirror of
    /// a query another replica runs or ran (or `store_unavailable`).
    /// A reader who resumes after event `lastEventID` gets a mirror that holds at least that much of what is stored.
    func log(_ id: QueryID, through lastEventID: Int = 0) async throws(QueryError) -> QueryLog {
        do {
            return try store.log(id)
        } catch {
            guard let replication else { throw error }
            return try await replication.follow(id, through: lastEventID)
        }
    }

    /// Cancels query `id` if it is running, here or (with a shared store) on the replica that runs it;
    /// a query that already ended is left as it is.
    func cancel(_ id: QueryID) async throws(QueryError) {
        if let log = try? store.log(id) {
            if log.stop(.cancelled) {
                logger.info("query cancelled by DELETE", metadata: ["query_id": "\(id)"])
            }
            return
        }
        guard let replication else {
            _ = try store.log(id)  // throws not found or expired
            return
        }
        let info: StoredQuery?
        do {
            info = try await replication.store.query(id)
            if info?.state == .running, try await replication.store.requestCancel(id) {
                logger.info("query cancellation asked of its replica", metadata: ["query_id": "\(id)"])
            }
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
        guard let info else { throw QueryError.queryNotFound(id.rawValue) }
        if info.state == .expired {
            throw QueryError.queryExpired(id.rawValue, detail: "ended more than \(store.limits.retention.components.seconds) seconds ago")
        }
    }

    /// Runs every query started until graceful shutdown, then waits for those still running.
    public func run() async throws {
        let sweepEvery = min(.seconds(30), max(.seconds(1), store.limits.retention / 2))
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { [store] in
                // Frees expired logs even when nobody asks for one.
                while (try? await store.clock.sleep(for: sweepEvery)) != nil { store.sweep() }
            }
            if let replication {
                tasks.addTask { [store] in
                    await replication.run { id in (try? store.log(id))?.stop(.cancelled) }
                }
            }
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    // Ends once `submit` is finished and the jobs already queued have started.
                    for await job in jobs {
                        group.addTask { await self.execute(job) }
                    }
                }
            } onGracefulShutdown: { [submit] in
                submit.finish()
            }
            tasks.cancelAll()
        }
    }

    /// Runs one query until it ends or is asked to stop, then closes its log.
    private func execute(_ job: Job) async {
        let log = job.log
        let runner = self.runner
        // With a shared store, the events go there as they come, and the query counts as ended once its `done` is stored.
        async let stored: Void? = replication?.persist(log)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = await runner.run(id: log.id, prepared: job.prepared) { event in log.record(event) }
            }
            group.addTask {
                // The first stop request; the iteration also ends when the runner finishes first.
                for await _ in log.stopRequests { return }
            }
            _ = await group.next()
            group.cancelAll()
        }
        log.finish()
        _ = await stored
        store.finished(log.id)
        registry.unregister(log.id)
    }
}
