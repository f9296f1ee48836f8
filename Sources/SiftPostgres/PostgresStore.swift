import Logging
import NIOCore
import PostgresNIO
import SiftCore
import SiftProviders
import SiftServer
import Synchronization

/// The PostgreSQL backend of siftd's store interface (`SIFT_DATABASE_URL`): the event logs of
/// queries with their leases (``SharedQueryStore``), sessions (``SessionStoring``) and the search
/// and page cache (`ResponseCaching`, in PostgresStore+Cache.swift), shared by every replica.
///
/// One `PostgresClient` pool serves every operation; one of its connections listens for
/// notifications (`sift_events`, `sift_cancel`: the payload is only a query id). Every operation
/// has a deadline, reports its latency and errors (``StoreMetrics``), and sets ``health``, which
/// `/readyz` shows; siftd keeps serving what it can while the database is away and recovers by itself.
public final class PostgresStore: SharedQueryStore, Sendable {
    /// The schema this siftd creates and understands (`sift_schema.version`).
    public static let schemaVersion = 2

    public let replica: String
    public let leaseDuration: Duration
    let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger
    public let metrics: StoreMetrics?
    let sessionLimits: SessionStore.Limits
    /// The memory store's rules for ids and trimming turns, which the shared sessions follow too.
    let sessionRules: SessionStore
    let cacheMaxBytes: Int
    let cacheObserver: (any CacheObserver)?
    /// The deadline of one operation.
    let timeout: Duration
    private let healthState: Mutex<StoreHealth>
    private let listeners = Mutex<[Int: AsyncStream<StoreNotification>.Continuation]>([:])
    private let nextListener = Atomic<Int>(0)
    let keyListeners = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])

    public init(
        url: DatabaseURL, replica: String, leaseDuration: Duration, sessionLimits: SessionStore.Limits,
        cacheMaxBytes: Int, metrics: StoreMetrics?, cacheObserver: (any CacheObserver)?, logger: Logger,
        timeout: Duration = .seconds(3)
    ) {
        self.url = url
        self.replica = replica
        self.leaseDuration = leaseDuration
        self.sessionLimits = sessionLimits
        self.sessionRules = SessionStore(limits: sessionLimits)
        self.cacheMaxBytes = cacheMaxBytes
        self.metrics = metrics
        self.cacheObserver = cacheObserver
        self.logger = logger
        self.timeout = timeout
        // As libpq: prefer and require encrypt without checking the certificate (a self-signed one,
        // Debian's snakeoil, is common); verify-ca and verify-full check it against the system's roots.
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        let tls: PostgresClient.Configuration.TLS =
            switch url.tls {
            case .disable: .disable
            case .prefer: .prefer(unverified)
            case .require: .require(unverified)
            case .verifyFull: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 16
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.healthState = Mutex(StoreHealth(healthy: true, detail: "postgres \(url.endpoint)"))
    }

    public var health: StoreHealth { healthState.withLock { $0 } }

    // MARK: Start

    /// Why the store could not start: the message names the database's host, and siftd exits with 2.
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Connects and migrates the schema (creating the tables on a new database); ``run()`` must be
    /// running. Fails when the database cannot be reached within `timeout`, or holds a newer schema.
    public func prepare() async throws(StartError) {
        do {
            try await operation("connect") { [client] in
                _ = try await client.query("SELECT 1").collect()
            }
        } catch {
            throw StartError(description: "cannot reach PostgreSQL at \(url.endpoint): \(error)")
        }
        do throws(StoreFailure) {
            try await migrate()
        } catch .unavailable(let detail) where detail.hasPrefix("schema version") {
            throw StartError(description: detail)
        } catch {
            throw StartError(description: "cannot migrate the schema in PostgreSQL at \(url.endpoint): \(error)")
        }
    }

    /// Runs the connection pool and the notification listener until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            group.addTask { await self.listen() }
        }
    }

    // MARK: Operations

    /// Runs `body` under the deadline, recording its time and outcome as operation `name`; a failure is
    /// ``StoreFailure/unavailable(_:)`` (the store is then unhealthy) unless `body` threw a ``StoreFailure``.
    func operation<T: Sendable>(_ name: String, _ body: @escaping @Sendable () async throws -> T) async throws(StoreFailure)
        -> T
    {
        let start = ContinuousClock.now
        let timeout = self.timeout
        do {
            let value = try await Self.withDeadline(timeout, body) {
                StoreFailure.unavailable("PostgreSQL at \(self.url.endpoint) did not answer within \(timeout.components.seconds) s")
            }
            metrics?.record(name, duration: start.duration(to: .now), failed: false)
            let recovered = healthState.withLock { health in
                defer { health = StoreHealth(healthy: true, detail: "postgres \(url.endpoint)") }
                return !health.healthy
            }
            if recovered { logger.notice("the database answers again", metadata: ["database": "\(url)"]) }
            return value
        } catch let failure as StoreFailure {
            metrics?.record(name, duration: start.duration(to: .now), failed: true)
            if case .unavailable(let detail) = failure { markUnhealthy(detail) }
            throw failure
        } catch {
            metrics?.record(name, duration: start.duration(to: .now), failed: true)
            let detail = describe(error)
            markUnhealthy(detail)
            throw .unavailable(detail)
        }
    }

    /// `body`'s result, or `expired()` thrown once `timeout` has passed.
    ///
    /// Not a task group: a group waits for every child, and a postgres-nio call waiting for a connection
    /// to a database that is gone does not always end when cancelled (seen in test_replicas: a reader on
    /// another replica, and then shutdown, waited until PostgreSQL came back). So the call runs in a task
    /// of its own, which is cancelled and left to finish by itself when the deadline passes; the caller
    /// goes on at once. Cancelling the caller cancels the call.
    static func withDeadline<T: Sendable>(
        _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T,
        expired: @escaping @Sendable () -> any Error
    ) async throws -> T {
        let race = DeadlineRace<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                race.start(continuation, timeout: timeout, body: body, expired: expired)
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    private func markUnhealthy(_ detail: String) {
        let wasHealthy = healthState.withLock { health in
            defer { health = StoreHealth(healthy: false, detail: "postgres \(url.endpoint): \(detail)") }
            return health.healthy
        }
        if wasHealthy {
            logger.error("the database cannot be reached", metadata: ["database": "\(url)", "error": "\(detail)"])
        }
    }

    /// A short, password-free account of a database error.
    func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            return error.closureError.map(describe) ?? error.beginError.map(describe) ?? "a transaction failed"
        }
        if let error = error as? StartError { return error.description }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(error.serverInfo?[.sqlState] ?? "") \(message)"
            }
            if let underlying = error.underlying { return "\(error.code) to \(url.endpoint): \(describe(underlying))" }
            return "\(error.code) to \(url.endpoint)"
        }
        return "\(error)"
    }

    // MARK: Schema

    /// The statements that bring a schema from version `index` to `index + 1`.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE sift_queries (
                id text PRIMARY KEY,
                owner text NOT NULL,
                state text NOT NULL CHECK (state IN ('running', 'ended', 'expired')),
                session text,
                resumable boolean NOT NULL,
                cancel_requested boolean NOT NULL DEFAULT false,
                lease_until timestamptz NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                ended_at timestamptz,
                event_count integer NOT NULL DEFAULT 0,
                bytes bigint NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX sift_queries_lease ON sift_queries (lease_until) WHERE state = 'running'",
            "CREATE INDEX sift_queries_ended ON sift_queries (ended_at) WHERE state <> 'running'",
            """
            CREATE TABLE sift_events (
                query_id text NOT NULL REFERENCES sift_queries (id) ON DELETE CASCADE,
                seq integer NOT NULL,
                type text NOT NULL,
                data text NOT NULL,
                PRIMARY KEY (query_id, seq)
            )
            """,
            """
            CREATE TABLE sift_sessions (
                id text PRIMARY KEY,
                turns jsonb NOT NULL,
                state text NOT NULL CHECK (state IN ('live', 'expired', 'evicted')),
                last_used timestamptz NOT NULL
            )
            """,
            "CREATE INDEX sift_sessions_last_used ON sift_sessions (last_used)",
            """
            CREATE TABLE sift_cache (
                namespace text NOT NULL,
                key text NOT NULL,
                meta text NOT NULL,
                body bytea NOT NULL,
                stored_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL,
                PRIMARY KEY (namespace, key)
            )
            """,
            "CREATE INDEX sift_cache_stored ON sift_cache (stored_at)",
        ],
        // 2: API keys (PostgresStore+Keys.swift): the keys, their daily spending, the owners of sessions,
        // and the key that asked each query.
        [
            "ALTER TABLE sift_queries ADD COLUMN api_key text",
            """
            CREATE TABLE sift_keys (
                name text PRIMARY KEY,
                sha256 text NOT NULL UNIQUE,
                scopes text NOT NULL,
                rpm integer,
                streams integer,
                daily_upstream integer,
                daily_tokens integer,
                created_at timestamptz NOT NULL DEFAULT now(),
                last_used timestamptz
            )
            """,
            """
            CREATE TABLE sift_key_usage (
                key_name text NOT NULL,
                day integer NOT NULL,
                upstream bigint NOT NULL DEFAULT 0,
                tokens bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (key_name, day)
            )
            """,
            """
            CREATE TABLE sift_session_owners (
                session text PRIMARY KEY,
                key_name text NOT NULL,
                claimed_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX sift_session_owners_claimed ON sift_session_owners (claimed_at)",
        ],
    ]

    /// Creates or upgrades the tables in one transaction, under an advisory lock so that replicas
    /// starting together migrate once; refuses a schema newer than ``schemaVersion``.
    private func migrate() async throws(StoreFailure) {
        let latest = Self.schemaVersion
        let logger = self.logger
        let from: Int = try await operation("migrate") { [client] in
            try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(7310013)", logger: logger).collect()
                _ = try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS sift_schema (
                        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)
                    """, logger: logger
                ).collect()
                var current = 0
                for try await version in try await connection.query("SELECT version FROM sift_schema", logger: logger)
                    .decode(Int.self)
                {
                    current = version
                }
                guard current <= latest else {
                    throw StartError(
                        description:
                            "schema version \(current) is newer than this siftd (\(latest)); upgrade siftd"
                    )
                }
                for version in current..<latest {
                    for statement in Self.migrations[version] {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                }
                if current < latest {
                    _ = try await connection.query(
                        """
                        INSERT INTO sift_schema (singleton, version) VALUES (true, \(latest))
                        ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version
                        """, logger: logger
                    ).collect()
                }
                return current
            }
        }
        if from < latest {
            logger.notice("database schema migrated", metadata: ["from": "\(from)", "to": "\(latest)", "database": "\(url)"])
        }
    }

    // MARK: Notifications

    public func notifications() -> AsyncStream<StoreNotification> {
        let (stream, continuation) = AsyncStream<StoreNotification>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let token = nextListener.add(1, ordering: .relaxed).newValue
        listeners.withLock { $0[token] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.listeners.withLock { $0.removeValue(forKey: token) }
        }
        return stream
    }

    private func deliver(_ note: StoreNotification) {
        for continuation in listeners.withLock({ Array($0.values) }) { continuation.yield(note) }
    }

    /// Holds one connection listening on `sift_events`, `sift_cancel` and `sift_keys` (a key added or
    /// revoked: PostgresStore+Keys.swift); reconnects after a failure (the polls cover what is missed meanwhile).
    private func listen() async {
        var backoff = Duration.milliseconds(200)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for channel in ["sift_events", "sift_cancel", "sift_keys"] {
                            group.addTask {
                                try await connection.listen(on: channel) { notifications in
                                    for try await notification in notifications {
                                        if channel == "sift_keys" {
                                            self.deliverKeyChange()
                                            continue
                                        }
                                        guard let id = QueryID(notification.payload) else { continue }
                                        self.deliver(channel == "sift_events" ? .events(id) : .cancel(id))
                                    }
                                }
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
            } catch {
                if Task.isCancelled { return }
                metrics?.record("listen", duration: .zero, failed: true)
                logger.debug("the notification listener lost its connection", metadata: ["error": "\(describe(error))"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}

/// The state of one ``PostgresStore/withDeadline(_:_:expired:)``: the caller's continuation, resumed once by
/// whichever of the call, the deadline and cancellation comes first; the loser tasks are cancelled.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var call: Task<Void, Never>?
        var timer: Task<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func start(
        _ continuation: CheckedContinuation<T, any Error>, timeout: Duration,
        body: @escaping @Sendable () async throws -> T, expired: @escaping @Sendable () -> any Error
    ) {
        // The continuation first, so that whatever finishes, however soon, finds it.
        let cancelled = state.withLock { state -> Bool in
            if state.finished { return true }
            state.continuation = continuation
            return false
        }
        if cancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        let call = Task {
            do {
                self.finish(.success(try await body()))
            } catch {
                self.finish(.failure(error))
            }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.finish(.failure(expired()))
        }
        let over = state.withLock { state -> Bool in
            state.call = call
            state.timer = timer
            return state.finished
        }
        if over {
            call.cancel()
            timer.cancel()
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, call, timer) = state.withLock { state in
            guard !state.finished else { return (nil, nil, nil) as (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) }
            state.finished = true
            defer { state.continuation = nil }
            return (state.continuation, state.call, state.timer)
        }
        call?.cancel()
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
