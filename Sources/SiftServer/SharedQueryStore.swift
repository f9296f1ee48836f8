import SiftCore

/// One recorded event as a shared store keeps it: its number (the SSE `id:`), its type and its JSON.
public struct StoredEvent: Sendable, Equatable {
    public var seq: Int
    public var type: String
    public var json: String

    public init(seq: Int, type: String, json: String) {
        self.seq = seq
        self.type = type
        self.json = json
    }
}

/// What a shared store knows of one query.
public struct StoredQuery: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Its owner runs it (or did, until its lease runs out).
        case running
        /// Its log holds its `done`.
        case ended
        /// Its events are gone (retention, or the store's bounds); only the id is remembered.
        case expired
    }

    public var state: State
    public var session: String?
    public var resumable: Bool
    /// The replica that runs (or ran) it.
    public var owner: String
    /// Events stored so far.
    public var eventCount: Int
    /// The name of the API key that asked, when keys are required.
    public var apiKey: String?

    public init(state: State, session: String?, resumable: Bool, owner: String, eventCount: Int, apiKey: String? = nil) {
        self.state = state
        self.session = session
        self.resumable = resumable
        self.owner = owner
        self.eventCount = eventCount
        self.apiKey = apiKey
    }
}

/// Why a shared-store operation failed.
public enum StoreFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store cannot be reached or answered with an error; the detail says which.
    case unavailable(String)
    /// The query is no longer this replica's: its lease ran out and another replica ended it.
    case lostOwnership

    public var description: String {
        switch self {
        case .unavailable(let detail): detail
        case .lostOwnership: "the query's lease ran out and another replica ended it"
        }
    }
}

/// A query whose owner stopped renewing its lease, ended by this replica: `replica_lost`, then `done`.
public struct TakenOverQuery: Sendable, Equatable {
    public var id: QueryID
    public var previousOwner: String

    public init(id: QueryID, previousOwner: String) {
        self.id = id
        self.previousOwner = previousOwner
    }
}

/// What a shared store tells the replicas: a query's log grew, or its cancellation was asked.
public enum StoreNotification: Sendable, Equatable {
    case events(QueryID)
    case cancel(QueryID)
}

/// The shared half of the query machine's state (issue 13): with it, several siftd
/// replicas serve as one. The memory backend has no shared half (the logs live in the
/// ``QueryStore`` only); the PostgreSQL backend (SiftPostgres) implements this.
///
/// - The **event log** of every query: append-only, keyed by (query, seq), written only by the
///   query's owner, read by any replica.
/// - **Ownership with a lease**: the owner renews the leases of the queries it runs; when a
///   lease runs out, the first replica to notice ends that query's log with `replica_lost` and
///   `done`, exactly once (``takeOver(events:)``).
/// - **Notifications** wake readers on other replicas; a periodic poll covers a missed one.
public protocol SharedQueryStore: Sendable {
    /// This replica's identity (`SIFT_REPLICA_ID`).
    var replica: String { get }
    /// How long a lease lasts without renewal.
    var leaseDuration: Duration { get }

    /// Records a query this replica starts running; its lease starts now.
    func create(id: QueryID, session: String?, resumable: Bool) async throws(StoreFailure)
    /// Records a query this replica starts running, asked with API key `apiKey`.
    func create(id: QueryID, session: String?, resumable: Bool, apiKey: String?) async throws(StoreFailure)
    /// Appends `events` (numbered after those stored) to a query this replica owns; `ended` when the
    /// last one is its `done`. Throws ``StoreFailure/lostOwnership`` when another replica took it over.
    func append(id: QueryID, events: [StoredEvent], ended: Bool) async throws(StoreFailure)
    /// What the store knows of query `id`; nil when it never had it.
    func query(_ id: QueryID) async throws(StoreFailure) -> StoredQuery?
    /// Up to `limit` events of query `id` after number `seq`, in order.
    func events(of id: QueryID, after seq: Int, limit: Int) async throws(StoreFailure) -> [StoredEvent]
    /// Asks the owner of a running query to stop it; false when it is not running.
    func requestCancel(_ id: QueryID) async throws(StoreFailure) -> Bool
    /// Renews this replica's leases on `ids`; returns those another replica asked to cancel,
    /// and those no longer this replica's.
    func renew(_ ids: [QueryID]) async throws(StoreFailure) -> (cancel: [QueryID], lost: [QueryID])
    /// Ends every running query whose lease ran out: `events` gives, for a query's elapsed
    /// milliseconds and owner, the two closing events (JSON of `error`, then `done`), which are
    /// appended after its last stored event. Exactly once per query, whichever replicas race.
    func takeOver(events: @escaping @Sendable (Double, String) -> (error: String, done: String)) async throws(StoreFailure)
        -> [TakenOverQuery]
    /// Ends retention: forgets the events of queries that ended longer than `retention` ago, and
    /// beyond `maxQueries` or `maxBytes`; sweeps the other tables to their bounds too.
    func sweep(retention: Duration, maxQueries: Int, maxBytes: Int) async throws(StoreFailure)
    /// The notifications meant for this replica, for as long as the caller iterates.
    func notifications() -> AsyncStream<StoreNotification>
    /// Whether the last operation reached the store; what it failed with otherwise.
    var health: StoreHealth { get }
}

extension SharedQueryStore {
    /// A store that keeps no key: the query is recorded without one.
    public func create(id: QueryID, session: String?, resumable: Bool, apiKey: String?) async throws(StoreFailure) {
        try await create(id: id, session: session, resumable: resumable)
    }
}

/// Whether a shared store answers.
public struct StoreHealth: Sendable, Equatable {
    public var healthy: Bool
    public var detail: String

    public init(healthy: Bool, detail: String) {
        self.healthy = healthy
        self.detail = detail
    }
}
