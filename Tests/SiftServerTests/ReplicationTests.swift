import Logging
import SiftCore
import Synchronization
import Testing

@testable import SiftServer

/// A shared store held in memory, with the semantics the PostgreSQL one promises (ownership and
/// order checked on append, exactly-once takeover, notifications): it lets two query machines in
/// one process act as two replicas. The PostgreSQL store itself is tried by tests/system/test_replicas.py.
final class InMemorySharedStore: Sendable {
    struct Row: Sendable {
        var owner: String
        var state: StoredQuery.State
        var session: String?
        var resumable: Bool
        var events: [StoredEvent] = []
        var leaseExpired = false
        var cancelRequested = false
    }

    let rows = Mutex<[QueryID: Row]>([:])
    let listeners = Mutex<[AsyncStream<StoreNotification>.Continuation]>([])
    /// While set, every operation fails as an unreachable database would.
    let down = Atomic<Bool>(false)

    /// This store as replica `name` sees it.
    func replica(_ name: String) -> Replica { Replica(shared: self, replica: name) }

    func notify(_ note: StoreNotification) {
        for listener in listeners.withLock({ $0 }) { listener.yield(note) }
    }

    struct Replica: SharedQueryStore {
        let shared: InMemorySharedStore
        let replica: String
        var leaseDuration: Duration { .seconds(3) }

        private func check() throws(StoreFailure) {
            if shared.down.load(ordering: .relaxed) { throw .unavailable("the test database is down") }
        }

        var health: StoreHealth {
            shared.down.load(ordering: .relaxed)
                ? StoreHealth(healthy: false, detail: "down") : StoreHealth(healthy: true, detail: "ok")
        }

        func create(id: QueryID, session: String?, resumable: Bool) async throws(StoreFailure) {
            try check()
            shared.rows.withLock {
                $0[id] = Row(owner: replica, state: .running, session: session, resumable: resumable)
            }
        }

        func append(id: QueryID, events: [StoredEvent], ended: Bool) async throws(StoreFailure) {
            try check()
            let stored = shared.rows.withLock { rows -> Bool in
                guard var row = rows[id], row.owner == replica, row.state == .running,
                    events.first?.seq == row.events.count + 1
                else { return false }
                row.events += events
                if ended { row.state = .ended }
                rows[id] = row
                return true
            }
            guard stored else { throw .lostOwnership }
            shared.notify(.events(id))
        }

        func query(_ id: QueryID) async throws(StoreFailure) -> StoredQuery? {
            try check()
            return shared.rows.withLock { rows in
                rows[id].map {
                    StoredQuery(
                        state: $0.state, session: $0.session, resumable: $0.resumable, owner: $0.owner,
                        eventCount: $0.events.count)
                }
            }
        }

        func events(of id: QueryID, after seq: Int, limit: Int) async throws(StoreFailure) -> [StoredEvent] {
            try check()
            return shared.rows.withLock { rows in
                Array((rows[id]?.events ?? []).filter { $0.seq > seq }.prefix(limit))
            }
        }

        func requestCancel(_ id: QueryID) async throws(StoreFailure) -> Bool {
            try check()
            let running = shared.rows.withLock { rows -> Bool in
                guard rows[id]?.state == .running else { return false }
                rows[id]?.cancelRequested = true
                return true
            }
            if running { shared.notify(.cancel(id)) }
            return running
        }

        func renew(_ ids: [QueryID]) async throws(StoreFailure) -> (cancel: [QueryID], lost: [QueryID]) {
            try check()
            return shared.rows.withLock { rows in
                var cancel: [QueryID] = []
                var lost: [QueryID] = []
                for id in ids {
                    guard let row = rows[id], row.owner == replica, row.state == .running else {
                        lost.append(id)
                        continue
                    }
                    if row.cancelRequested { cancel.append(id) }
                }
                return (cancel, lost)
            }
        }

        func takeOver(events: @escaping @Sendable (Double, String) -> (error: String, done: String)) async throws(StoreFailure)
            -> [TakenOverQuery]
        {
            try check()
            let taken = shared.rows.withLock { rows -> [TakenOverQuery] in
                var taken: [TakenOverQuery] = []
                for (id, row) in rows where row.state == .running && row.leaseExpired {
                    let (error, done) = events(1, row.owner)
                    var ended = row
                    ended.events.append(StoredEvent(seq: row.events.count + 1, type: "error", json: error))
                    ended.events.append(StoredEvent(seq: row.events.count + 2, type: "done", json: done))
                    ended.state = .ended
                    ended.owner = replica
                    rows[id] = ended
                    taken.append(TakenOverQuery(id: id, previousOwner: row.owner))
                }
                return taken
            }
            for query in taken { shared.notify(.events(query.id)) }
            return taken
        }

        func sweep(retention: Duration, maxQueries: Int, maxBytes: Int) async throws(StoreFailure) { try check() }

        func notifications() -> AsyncStream<StoreNotification> {
            let (stream, continuation) = AsyncStream<StoreNotification>.makeStream()
            shared.listeners.withLock { $0.append(continuation) }
            return stream
        }
    }
}

@Suite("Replicas sharing a store: one query, readers anywhere, leases and outages")
struct ReplicationTests {
    static var fast: SiftServerConfiguration {
        var configuration = SiftServerConfiguration()
        configuration.storePollInterval = .milliseconds(50)
        configuration.storeGrace = .milliseconds(300)
        return configuration
    }

    func routes(_ store: some SharedQueryStore, runner: any QueryRunning) -> SiftRoutes {
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: 16, metrics: metrics, logger: testLogger())
        return SiftRoutes(
            runner: runner, registry: registry, metrics: metrics, configuration: Self.fast, shared: store,
            readiness: { Readiness(ready: true, components: [:]) })
    }

    /// Runs the query services of `replicas` while `body` runs.
    func serving(_ replicas: [SiftRoutes], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas { group.addTask { try await replica.queries.run() } }
            defer { group.cancelAll() }
            try await body()
        }
    }

    static let question = PreparedQuery(
        query: AnalyzedQuery(original: "q", normalized: "q", kind: .keywords, terms: ["q"]))

    func events(of log: QueryLog, after lastID: Int = 0) async throws -> [StoredEvent] {
        var cursor = QueryLogCursor(log: log, after: lastID, droppable: false)
        defer { cursor.close() }
        var events: [StoredEvent] = []
        while let delivery = try await cursor.next() {
            guard case .frames(let frames) = delivery else { continue }
            for frame in frames { events.append(StoredEvent(seq: events.count + lastID + 1, type: frame.type.rawValue, json: frame.json)) }
        }
        return events
    }

    @Test func aQueryRunOnOneReplicaIsReadWholeOnAnotherAndResumedThereExactly() async throws {
        let shared = InMemorySharedStore()
        let a = routes(shared.replica("a"), runner: ScriptedRunner.answering(deltas: 6))
        let b = routes(shared.replica("b"), runner: ScriptedRunner.answering(deltas: 6))
        try await serving([a, b]) {
            let log = try await a.queries.admit(id: QueryID(), prepared: Self.question, resumable: true)
            let onA = try await events(of: log)
            let mirror = try await b.queries.log(log.id)
            let onB = try await events(of: mirror)
            #expect(onA.count > 6)
            #expect(onB == onA)
            #expect(onB.filter { $0.type == "done" }.count == 1)
            // A reader that had the first 4 events resumes on B with exactly the rest.
            let rest = try await events(of: try await b.queries.log(log.id), after: 4)
            #expect(rest == Array(onA.dropFirst(4)))
            #expect(shared.rows.withLock { $0[log.id]?.events.map(\.seq) } == Array(1...onA.count))
        }
    }

    @Test func aReaderElsewhereFollowsLiveAndCancellationReachesTheOwner() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let shared = InMemorySharedStore()
        let a = routes(shared.replica("a"), runner: AnswerStreamTests.waitingRunner(started: startedSignal))
        let b = routes(shared.replica("b"), runner: ScriptedRunner.answering())
        try await serving([a, b]) {
            let log = try await a.queries.admit(id: QueryID(), prepared: Self.question, resumable: true)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            try await b.queries.cancel(log.id)
            let onB = try await events(of: try await b.queries.log(log.id))
            #expect(onB.last?.type == "done")
            #expect(onB.last?.json.contains("cancelled") == true)
            #expect(log.isEnded)
        }
    }

    @Test func aQueryWhoseOwnerStoppedRenewingEndsWithReplicaLostOnceForEveryReader() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let shared = InMemorySharedStore()
        // "a" is an owner that never runs its maintenance (it died); its query sits in the store.
        let a = routes(shared.replica("a"), runner: AnswerStreamTests.waitingRunner(started: startedSignal))
        let b = routes(shared.replica("b"), runner: ScriptedRunner.answering())
        let c = routes(shared.replica("c"), runner: ScriptedRunner.answering())
        let id = QueryID()
        try await serving([a]) {
            _ = try await a.queries.admit(id: id, prepared: Self.question, resumable: true)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            // Wait until the first event is stored, then "kill" a: its services stop, its lease runs out.
            while shared.rows.withLock({ $0[id]?.events.isEmpty ?? true }) { try await Task.sleep(for: .milliseconds(5)) }
        }
        shared.rows.withLock { $0[id]?.state = .running }  // the killed owner never wrote its done
        shared.rows.withLock {
            $0[id]?.events.removeAll { $0.seq > 1 }
            $0[id]?.leaseExpired = true
        }
        try await serving([b, c]) {
            async let fromB = events(of: try await b.queries.log(id))
            async let fromC = events(of: try await c.queries.log(id))
            let (onB, onC) = try await (fromB, fromC)
            #expect(onB == onC)
            #expect(onB.map(\.type) == ["status", "error", "done"])
            #expect(onB[1].json.contains("\"replica_lost\""))
            #expect(onB[1].json.contains("\"retryable\":true"))
            #expect(onB[2].json.contains("\"failed\""))
        }
    }

    @Test func theStoreGoneEndsOpenQueriesWithStoreUnavailableAndRefusesNewOnes() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let shared = InMemorySharedStore()
        let a = routes(shared.replica("a"), runner: AnswerStreamTests.waitingRunner(started: startedSignal))
        try await serving([a]) {
            let log = try await a.queries.admit(id: QueryID(), prepared: Self.question, resumable: true)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            shared.down.store(true, ordering: .relaxed)
            let events = try await events(of: log)
            #expect(events.suffix(2).map(\.type) == ["error", "done"])
            #expect(events.dropLast().last?.json.contains("store_unavailable") == true)
            do throws(QueryError) {
                _ = try await a.queries.admit(id: QueryID(), prepared: Self.question, resumable: true)
                Issue.record("a query was admitted while the store is down")
            } catch {
                #expect(error.code == "store_unavailable")
                #expect(error.httpStatus == 503)
            }
        }
    }

    @Test func aQueryNobodyHasIsNotFoundAndTheStoreDownIsStoreUnavailable() async throws {
        let shared = InMemorySharedStore()
        let b = routes(shared.replica("b"), runner: ScriptedRunner.answering())
        do throws(QueryError) {
            _ = try await b.queries.log(QueryID())
            Issue.record("an unknown query was found")
        } catch {
            #expect(error.code == "query_not_found")
        }
        shared.down.store(true, ordering: .relaxed)
        do throws(QueryError) {
            _ = try await b.queries.log(QueryID())
            Issue.record("a query was found while the store is down")
        } catch {
            #expect(error.code == "store_unavailable")
        }
    }
}

@Suite("The database URL")
struct DatabaseURLTests {
    @Test func aFullURLIsReadAndItsDescriptionHidesThePassword() throws {
        let url = try DatabaseURL(parsing: "postgres://sift:s%40cret@db.internal:6543/answers?sslmode=require")
        #expect(url.user == "sift")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "answers")
        #expect(url.tls == .require)
        #expect(url.description == "postgres://sift@db.internal:6543/answers")
        #expect(!"\(url)".contains("cret"))
    }

    @Test func thePortDefaultsTo5432AndIPv6HostsAreBracketed() throws {
        let url = try DatabaseURL(parsing: "postgresql://sift@[::1]/sift")
        #expect(url.host == "::1")
        #expect(url.port == 5432)
        #expect(url.password == nil)
        #expect(url.endpoint == "[::1]:5432")
        #expect(url.tls == .prefer)
    }

    @Test(arguments: [
        ("mysql://u@h/d", "postgres://"), ("postgres://h:5432/d", "user"), ("postgres://u@h:99999/d", "port"),
        ("postgres://u@h", "database"), ("postgres://u@h/d?sslmode=bogus", "sslmode"),
        ("postgres://u@h/d?connect_timeout=3", "only sslmode"), ("postgres://u:%zz@h/d", "percent"),
    ])
    func aBadURLSaysWhatIsWrong(text: String, mentions: String) {
        do {
            _ = try DatabaseURL(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(error.message.contains(mentions), "\(error.message)")
        }
    }

    @Test func thePasswordMayComeFromTheSystemdCredential() throws {
        let settings = try SiftdConfiguration.resolve(
            flags: [:],
            environment: ["SIFT_DATABASE_URL": "postgres://sift@127.0.0.1:5432/sift", "CREDENTIALS_DIRECTORY": "/creds"],
            readFile: { path throws(ConfigurationError) in path == "/creds/database-password" ? "hunter2\n" : nil })
        #expect(settings.databaseURL?.password == "hunter2")
        #expect(settings.queryLease == .seconds(10))
        let bad = Result { () throws(ConfigurationError) in
            try SiftdConfiguration.resolve(
                flags: [:], environment: ["SIFT_DATABASE_URL": "postgres://nope"], readFile: { _ throws(ConfigurationError) in nil })
        }
        guard case .failure(let error) = bad else {
            Issue.record("a URL without a database was accepted")
            return
        }
        #expect(error.message.contains("SIFT_DATABASE_URL"))
    }
}
