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
        /// Where the query's spending goes, when a key with budgets asked.
        var meter: (any SpendingMeter)?
        /// The caller's running-query slot, when a key asked.
        var hold: KeyGate.StreamHold?
        /// The query's place in the CPU queue.
        var ticket: AdmissionQueue.Ticket?
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
    /// The API keys, when they are required: a key's queries count toward its limits, and belong to it.
    let keyGate: KeyGate?
    /// The CPU queue queries wait in after their first `status` (`SIFT_QUERY_CONCURRENCY`, `SIFT_QUERY_QUEUE`).
    let admission: AdmissionQueue?
    /// The key of each query admitted here, kept after the query is gone (as long as the store remembers
    /// that it ended), so that another key asking for an expired one hears "not found", not "expired".
    private let owners = LockedValue(RememberedEndings<QueryID, String>())

    init(
        store: QueryStore, runner: any QueryRunning, registry: StreamRegistry, slowReaderLimit: Int, logger: Logger,
        shared: (any SharedQueryStore)? = nil, storeMetrics: StoreMetrics? = nil, storePollInterval: Duration = .seconds(1),
        storeGrace: Duration = .seconds(3), keyGate: KeyGate? = nil, admission: AdmissionQueue? = nil
    ) {
        self.keyGate = keyGate
        self.admission = admission
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

    /// Admits query `id` (`overloaded`: too many running, or the CPU queue full; `shutting_down`) and hands it to ``run()``; its events
    /// go to the log returned. A query that is not `resumable` is cancelled when its last
    /// reader leaves, and its readers are dropped beyond `slowReaderLimit` events behind.
    /// `owner` is who asked (`SiftRequestContext.client`), kept on the log and the session turn.
    ///
    /// With a `caller` (keys required): its daily budgets must not be spent (`budget_exhausted`), its
    /// session must be its own (else `session_not_found`), and it must run fewer queries than its
    /// limit (`too_many_streams`); the query is the caller's, and its spending counts toward its budgets.
    func admit(
        id: QueryID, prepared: PreparedQuery, resumable: Bool, owner: String = "", caller: APIKeyRecord? = nil
    ) async throws(QueryError)
        -> QueryLog
    {
        var prepared = prepared
        prepared.context.owner = owner
        var hold: KeyGate.StreamHold?
        var meter: (any SpendingMeter)?
        if let caller, let keyGate {
            try keyGate.checkBudget(caller)
            if let session = prepared.context.session { try await keyGate.claimSession(session, by: caller) }
            hold = try keyGate.acquireStream(caller)
            meter = keyGate.meter(for: caller)
        }
        if let caller, keyGate != nil {
            let capacity = store.limits.rememberedEndings + store.limits.maxQueries
            owners.withLock { $0.remember(caller.name, for: id, capacity: capacity) }
        }
        var ticket: AdmissionQueue.Ticket?
        do {
            // A place in the CPU queue, or 503 overloaded while the response head is not yet written.
            ticket = try admission?.admit()
            return try await admit(
                id: id, prepared: prepared, resumable: resumable, owner: owner, apiKey: caller?.name, hold: hold, meter: meter,
                ticket: ticket)
        } catch {
            ticket?.finish()
            hold?.end()
            throw error
        }
    }

    private func admit(
        id: QueryID, prepared: PreparedQuery, resumable: Bool, owner: String, apiKey: String?, hold: KeyGate.StreamHold?,
        meter: (any SpendingMeter)?, ticket: AdmissionQueue.Ticket?
    ) async throws(QueryError) -> QueryLog {
        let log = QueryLog(
            id: id, session: prepared.context.session, maxBytes: store.limits.maxQueryBytes, store: store,
            resumable: resumable, slowReaderLimit: slowReaderLimit, replicated: replication != nil, clock: store.clock,
            apiKey: apiKey,
            onEnded: { [registry] in
                registry.unregister(id)
                hold?.end()
            }, owner: owner)
        try registry.register(id) { _ in log.stop(.shutdown) }
        do {
            try store.admit(log)
        } catch {
            registry.unregister(id)
            throw error
        }
        if let replication {
            do {
                try await replication.create(id: id, session: log.session, resumable: resumable, apiKey: apiKey)
            } catch {
                store.remove(id)
                registry.unregister(id)
                throw error
            }
        }
        if case .terminated = submit.yield(Job(log: log, prepared: prepared, meter: meter, hold: hold, ticket: ticket)) {
            store.remove(id)
            registry.unregister(id)
            throw QueryError.shuttingDown
        }
        return log
    }

    /// The handlers' cheap check before a question is analyzed, so that a full siftd answers 503
    /// `overloaded` before a 400 about what was asked: every stream slot taken, or the CPU queue full.
    /// ``admit(id:prepared:resumable:owner:caller:)`` is the one that decides.
    func checkCapacity() throws(QueryError) {
        try registry.checkCapacity()
        try admission?.checkRoom()
    }

    /// Whether `caller` may see query `log`: always with keys off; else when it asked it, or is `admin`.
    /// A query of another key is `query_not_found`, as an unknown id is, so ids are not confirmed.
    private func check(_ log: QueryLog, caller: APIKeyRecord?) throws(QueryError) {
        guard let caller, keyGate != nil, !caller.allows(.admin), log.apiKey != caller.name else { return }
        keyGate?.recordRejection(caller.name, reason: "not_owner")
        throw QueryError.queryNotFound(log.id.rawValue)
    }

    /// The log of query `id` (`query_not_found`, `query_expired`); with a shared store, a mirror of
    /// a query another replica runs or ran (or `store_unavailable`).
    /// A reader who resumes after event `lastEventID` gets a mirror that holds at least that much of what is stored.
    func log(_ id: QueryID, through lastEventID: Int = 0, caller: APIKeyRecord? = nil) async throws(QueryError) -> QueryLog {
        let log: QueryLog
        do {
            log = try store.log(id)
        } catch {
            guard let replication else { throw await hidingExpired(error, id: id, caller: caller) }
            do {
                log = try await replication.follow(id, through: lastEventID)
            } catch {
                throw await hidingExpired(error, id: id, caller: caller)
            }
        }
        try check(log, caller: caller)
        return log
    }

    /// `error`, unless it says that another key's query expired: then `query_not_found`, as for an id
    /// never issued, so that an id is not confirmed even after its query is gone.
    private func hidingExpired(_ error: QueryError, id: QueryID, caller: APIKeyRecord?) async -> QueryError {
        guard error.code == "query_expired", let caller, keyGate != nil, !caller.allows(.admin) else { return error }
        var owner = owners.withLock { $0[id] }
        if owner == nil, let replication, let stored = try? await replication.store.query(id) { owner = stored.apiKey }
        return owner == caller.name ? error : QueryError.queryNotFound(id.rawValue)
    }

    /// Cancels query `id` if it is running, here or (with a shared store) on the replica that runs it;
    /// a query that already ended is left as it is.
    func cancel(_ id: QueryID, caller: APIKeyRecord? = nil) async throws(QueryError) {
        if let log = try? store.log(id) {
            try check(log, caller: caller)
            if log.stop(.cancelled) {
                logger.info("query cancelled by DELETE", metadata: ["query_id": "\(id)"])
            }
            return
        }
        guard let replication else {
            do {
                _ = try store.log(id)  // throws not found or expired
            } catch {
                throw await hidingExpired(error, id: id, caller: caller)
            }
            return
        }
        let info: StoredQuery?
        do {
            info = try await replication.store.query(id)
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
        guard let info else { throw QueryError.queryNotFound(id.rawValue) }
        // Another key's query is not found, and not cancelled: the owner is checked before asking.
        if let caller, keyGate != nil, !caller.allows(.admin), info.apiKey != caller.name {
            throw QueryError.queryNotFound(id.rawValue)
        }
        do {
            if info.state == .running, try await replication.store.requestCancel(id) {
                logger.info("query cancellation asked of its replica", metadata: ["query_id": "\(id)"])
            }
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
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
        await Spending.$meter.withValue(job.meter) {
            await Admission.$ticket.withValue(job.ticket) {
                await runQuery(job, runner: runner)
            }
        }
        job.ticket?.finish()
        log.finish()
        _ = await stored
        store.finished(log.id)
        registry.unregister(log.id)
        job.hold?.end()
    }

    /// Runs the query until it ends or is asked to stop (in the task where its ``Spending/meter`` is set).
    private func runQuery(_ job: Job, runner: any QueryRunning) async {
        let log = job.log
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
    }
}
