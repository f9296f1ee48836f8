import Logging
import SiftCore

/// The query machine's side of a ``SharedQueryStore``: what lets several replicas serve as one.
///
/// - **Storing** (``persist(_:)``): the events of each query this replica runs are appended to the
///   store in order, in batches; readers here see an event once it is stored.
/// - **Following** (``follow(_:)``): a reader here of a query another replica runs reads a mirrored
///   ``QueryLog``, filled from the store whenever a notification says the log grew, and by a poll
///   that covers a missed notification. Readers of one query share one mirror.
/// - **Leases** (``run()``): the leases of the queries running here are renewed; a query whose
///   owner stopped renewing is ended with `replica_lost` and `done` by the first replica to notice.
/// - **Cancellation** from another replica (`DELETE` there) reaches the owner by notification,
///   or with the next lease renewal.
///
/// When the store cannot be reached for `storeGrace`, a query running here ends with
/// `store_unavailable` (its readers here get every event, `error` and `done`), and mirrors end the same way.
final class QueryReplication: Sendable {
    private struct Mirror: Sendable {
        var log: QueryLog
        var wake: AsyncStream<Bool>.Continuation
        var wakes: AsyncStream<Bool>
    }

    let store: any SharedQueryStore
    private let queries: QueryStore
    private let metrics: StoreMetrics?
    private let logger: Logger
    private let clock: ServerClock
    /// How often a mirror looks at the store without a notification, and leases are renewed at least.
    let pollInterval: Duration
    /// How long a store may fail before the queries that need it end.
    let storeGrace: Duration
    private let mirrors = LockedValue([QueryID: Mirror]())
    /// The queries this replica runs whose rows the store holds: those whose leases it renews.
    private let owned = LockedValue(Set<QueryID>())
    private let maxMirrors: Int
    private let started: AsyncStream<QueryID>
    private let start: AsyncStream<QueryID>.Continuation

    init(
        store: any SharedQueryStore, queries: QueryStore, metrics: StoreMetrics?, logger: Logger,
        pollInterval: Duration = .seconds(1), storeGrace: Duration = .seconds(3)
    ) {
        self.store = store
        self.queries = queries
        self.metrics = metrics
        self.logger = logger
        self.clock = queries.clock
        self.pollInterval = pollInterval
        self.storeGrace = storeGrace
        self.maxMirrors = queries.limits.maxQueries
        (started, start) = AsyncStream.makeStream()
    }

    // MARK: Storing

    /// Records query `id` as this replica's; `store_unavailable` when the store cannot be reached.
    func create(id: QueryID, session: String?, resumable: Bool, apiKey: String? = nil) async throws(QueryError) {
        guard store.health.healthy else { throw QueryError.storeUnavailable(store.health.detail) }
        do {
            try await store.create(id: id, session: session, resumable: resumable, apiKey: apiKey)
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
        _ = owned.withLock { $0.insert(id) }
    }

    /// Appends the events of `log` (a replicated log) to the store as they are recorded, up to its
    /// `done`. Returns once the `done` is stored, or the log was detached (the store failed for longer
    /// than `storeGrace`, or another replica took the query over).
    func persist(_ log: QueryLog) async {
        defer { _ = owned.withLock { $0.remove(log.id) } }
        var failingSince: ServerClock.Instant?
        for await _ in log.persistWakes {
            while log.hasUnpersisted {
                let (events, ends) = log.unpersisted()
                guard let last = events.last else { break }
                let attempt = clock.now
                do throws(StoreFailure) {
                    try await store.append(id: log.id, events: events, ended: ends)
                    log.persisted(through: last.seq)
                    failingSince = nil
                    if ends { return }
                } catch {
                    guard case .unavailable(let detail) = error else {
                        logger.warning("query taken over by another replica", metadata: ["query_id": "\(log.id)"])
                        log.detach(.replicaLost(store.replica))
                        return
                    }
                    let since = failingSince ?? attempt
                    failingSince = since
                    if since.duration(to: clock.now) >= storeGrace || Task.isCancelled {
                        logger.error(
                            "cannot store the query's events; ending it",
                            metadata: ["query_id": "\(log.id)", "error": "\(detail)"])
                        log.detach(.storeUnavailable(detail))
                        return
                    }
                    try? await clock.sleep(for: .milliseconds(200))
                }
            }
            if !log.hasUnpersisted && log.isEnded { return }
        }
    }

    // MARK: Following

    /// The log of query `id`, which another replica runs or ran, mirrored from the store:
    /// `query_not_found`, `query_expired`, `store_unavailable`, or `overloaded` when this replica
    /// follows as many queries as it keeps.
    func follow(_ id: QueryID, through lastEventID: Int = 0) async throws(QueryError) -> QueryLog {
        if let mirror = mirrors.withLock({ $0[id] }) {
            // A reader who resumes from an event the store holds but this mirror has not read yet
            // (a notification still on its way) must not hear "not sent yet".
            if mirror.log.count < lastEventID && !mirror.log.isEnded { try await fill(mirror.log, notified: nil) }
            return mirror.log
        }
        let info: StoredQuery?
        do {
            info = try await store.query(id)
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
        guard let info else { throw QueryError.queryNotFound(id.rawValue) }
        if info.state == .expired {
            throw QueryError.queryExpired(
                id.rawValue, detail: "ended more than \(queries.limits.retention.components.seconds) seconds ago")
        }
        let log = QueryLog(
            id: id, session: info.session, maxBytes: .max, store: nil, resumable: true, clock: clock, apiKey: info.apiKey)
        // The events so far, before any reader looks, so that a Last-Event-ID among them is known.
        try await fill(log, notified: nil)
        let (wakes, wake) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (chosen, isNew) = mirrors.withLock { mirrors -> (QueryLog?, Bool) in
            if let existing = mirrors[id] { return (existing.log, false) }
            if mirrors.count >= maxMirrors { Self.dropIdle(&mirrors) }
            guard mirrors.count < maxMirrors else { return (nil, false) }
            mirrors[id] = Mirror(log: log, wake: wake, wakes: wakes)
            return (log, true)
        }
        guard let chosen else { throw QueryError.overloaded(limit: maxMirrors) }
        if isNew && !log.isEnded { start.yield(id) }
        return chosen
    }

    /// Forgets the mirrors that ended and have no reader left.
    private static func dropIdle(_ mirrors: inout [QueryID: Mirror]) {
        for (key, mirror) in mirrors where mirror.log.isEnded && mirror.log.readerCount == 0 {
            mirrors[key] = nil
            mirror.wake.finish()
        }
    }

    /// Reads the events of `log` after those it holds, until none are left; true when it found any.
    @discardableResult
    private func fill(_ log: QueryLog, notified: Bool?) async throws(QueryError) -> Bool {
        var found = false
        while !log.isEnded {
            let events: [StoredEvent]
            do {
                events = try await store.events(of: log.id, after: log.count, limit: 512)
            } catch {
                throw QueryError.storeUnavailable(error.description)
            }
            if events.isEmpty { break }
            found = true
            log.mirror(events)
            if events.count < 512 { break }
        }
        if found, let notified { metrics?.recordWakeup(notified: notified) }
        return found
    }

    /// Follows a mirrored log until its `done`, waking on notifications and on the poll.
    private func track(_ id: QueryID) async {
        guard let mirror = mirrors.withLock({ $0[id] }) else { return }
        let log = mirror.log
        var failingSince: ServerClock.Instant?
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock, pollInterval] in
                while (try? await clock.sleep(for: pollInterval)) != nil { mirror.wake.yield(false) }
            }
            for await notified in mirror.wakes {
                if log.isEnded { break }
                let attempt = clock.now
                do throws(QueryError) {
                    try await fill(log, notified: notified)
                    failingSince = nil
                } catch {
                    let since = failingSince ?? attempt
                    failingSince = since
                    if since.duration(to: clock.now) >= storeGrace {
                        log.endMirror(error)
                    }
                }
                if log.isEnded { break }
            }
            if !log.isEnded { log.endMirror(.shuttingDown) }
            group.cancelAll()
        }
        if log.count == 0 || !log.isEnded { _ = mirrors.withLock { $0.removeValue(forKey: id) } }
    }

    // MARK: Running

    /// Follows mirrors, dispatches notifications, renews leases, takes over lost queries and sweeps,
    /// until cancelled.
    func run(stopping: @escaping @Sendable (QueryID) -> Void) async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await note in self.store.notifications() {
                    switch note {
                    case .events(let id):
                        if let mirror = self.mirrors.withLock({ $0[id] }) { mirror.wake.yield(true) }
                    case .cancel(let id):
                        stopping(id)
                    }
                }
            }
            group.addTask { await self.maintain(stopping: stopping) }
            // Until cancelled: an AsyncStream's iteration ends when its task is.
            for await id in started { group.addTask { await self.track(id) } }
            start.finish()
            for mirror in mirrors.withLock({ Array($0.values) }) { mirror.wake.finish() }
            group.cancelAll()
        }
    }

    /// Lease renewal and takeover every `pollInterval` (at least thrice a lease); a sweep every 30 s.
    private func maintain(stopping: @Sendable (QueryID) -> Void) async {
        let every = min(pollInterval, store.leaseDuration / 3)
        var lastSweep: ServerClock.Instant?
        var failingSince: ServerClock.Instant?
        while (try? await clock.sleep(for: every)) != nil {
            let attempt = clock.now
            do {
                let (cancel, lost): ([QueryID], [QueryID])
                do {
                    (cancel, lost) = try await store.renew(owned.withLock { Array($0) })
                    failingSince = nil
                } catch {
                    // Queries that wait (for a model, say) store nothing that would notice: end them here.
                    let since = failingSince ?? attempt
                    failingSince = since
                    if since.duration(to: clock.now) >= storeGrace {
                        for id in owned.withLock({ Array($0) }) {
                            guard let log = try? queries.log(id), !log.isEnded else { continue }
                            logger.error(
                                "cannot renew the query's lease; ending it",
                                metadata: ["query_id": "\(id)", "error": "\(error)"])
                            log.detach(.storeUnavailable(error.description))
                        }
                    }
                    throw error
                }
                for id in cancel { stopping(id) }
                for id in lost {
                    if let log = try? queries.log(id) { log.detach(.replicaLost(store.replica)) }
                }
                let taken = try await store.takeOver { elapsed, owner in
                    let encoder = EventEncoder()
                    let error = PipelineEvent(elapsedMs: elapsed, payload: .error(.init(.replicaLost(owner))))
                    let done = PipelineEvent(elapsedMs: elapsed, payload: .done(.init(outcome: .failed)))
                    return (
                        String(decoding: encoder.json(error), as: UTF8.self),
                        String(decoding: encoder.json(done), as: UTF8.self)
                    )
                }
                for query in taken {
                    metrics?.recordTakeover()
                    logger.warning(
                        "ended a query whose replica stopped renewing its lease",
                        metadata: ["query_id": "\(query.id)", "previous_owner": "\(query.previousOwner)"])
                }
                let now = clock.now
                if lastSweep.map({ $0.duration(to: now) >= .seconds(30) }) ?? true {
                    lastSweep = now
                    try await store.sweep(
                        retention: queries.limits.retention, maxQueries: queries.limits.maxQueries,
                        maxBytes: queries.limits.maxBytes)
                }
            } catch {
                logger.debug("store maintenance failed", metadata: ["error": "\(error)"])
            }
            mirrors.withLock { Self.dropIdle(&$0) }
        }
    }
}
