import NIOCore

/// Transport limits and timings of the HTTP server.
public struct SiftServerConfiguration: Sendable, Equatable {
    /// Most queries running at once, whatever route admitted them (`SIFT_MAX_STREAMS`).
    public var maxStreams: Int
    /// Events a reader of a query that is not resumable may fall behind before it is dropped (`SIFT_STREAM_BUFFER`).
    public var streamBuffer: Int
    /// Interval of `: ping` comments on a stream (`SIFT_HEARTBEAT_SECONDS`).
    public var heartbeat: Duration
    /// Largest accepted request body in bytes.
    public var maxBodyBytes: Int
    /// Version reported in `sift_build_info` and `/healthz`.
    public var version: String
    /// Models a request may name in `models`; nil allows any (`SIFT_LLM_ALLOW_MODELS=*`, or no LLM at all,
    /// when asking for models only earns a warning). The ``ReloadableRunner`` checks requests against it,
    /// so that a reload can change it; the routes leave the check to their runner.
    public var allowedModels: Set<String>?
    /// The models answers are written by (`SIFT_LLM_MODEL`); empty when they are extractive.
    public var llmModels: [String] = []
    /// Whether `POST /v1/chat/completions` sends Open WebUI `event` objects unless a request says (`SIFT_OPENAI_STATUS_EVENTS`).
    public var openAIStatusEvents = false
    /// How long a resumable query's events are kept after its `done` (`SIFT_QUERY_RETENTION_SECONDS`).
    public var queryRetention: Duration
    /// Resumable queries kept at once, running and finished (`SIFT_QUERIES_MAX`).
    public var queriesMax: Int
    /// Bytes of events kept over all resumable queries (`SIFT_QUERIES_MAX_MB`); one query keeps at most 8 MiB of them.
    public var queriesMaxBytes: Int
    /// With a shared store: how often a reader of another replica's query looks without a notification,
    /// and leases are renewed at least.
    public var storePollInterval: Duration = .seconds(1)
    /// Timeouts, the connection cap and the header size cap of the HTTP server.
    public var connections = ConnectionLimits()
    /// The `Host` names answered (lowercase; IPv6 in brackets); nil answers any (`SIFT_ALLOWED_HOSTS`).
    public var allowedHosts: [String]? = HostPolicy.defaultNames(listenHost: "127.0.0.1")
    /// Browser origins allowed besides siftd's own (`scheme://host[:port]`, lowercase; `SIFT_ALLOWED_ORIGINS`).
    public var allowedOrigins: [String] = []
    /// With a shared store: how long it may fail before the queries that need it end with `store_unavailable`.
    public var storeGrace: Duration = .seconds(3)
    /// Queries computing at once; the others wait for a slot (`SIFT_QUERY_CONCURRENCY`, one per core by default).
    public var queryConcurrency: Int = defaultQueryConcurrency
    /// Queries that may wait for a slot before new ones get `503 overloaded` (`SIFT_QUERY_QUEUE`).
    public var queryQueue: Int = 256

    /// One slot per core this process may run on.
    public static var defaultQueryConcurrency: Int { max(1, System.coreCount) }

    public init(
        maxStreams: Int = 2048, streamBuffer: Int = 1024, heartbeat: Duration = .seconds(15),
        maxBodyBytes: Int = 64 * 1024, version: String = "dev", queryRetention: Duration = .seconds(300),
        queriesMax: Int = 1024, queriesMaxBytes: Int = 64 << 20
    ) {
        self.maxStreams = maxStreams
        self.streamBuffer = streamBuffer
        self.heartbeat = heartbeat
        self.maxBodyBytes = maxBodyBytes
        self.version = version
        self.queryRetention = queryRetention
        self.queriesMax = queriesMax
        self.queriesMaxBytes = queriesMaxBytes
    }
}

/// What `/readyz` reports.
public struct Readiness: Sendable, Encodable {
    /// Whether queries can be answered now.
    public var ready: Bool
    /// Per-component details, e.g. `["kb": "open, 412345 passages"]`.
    public var components: [String: String]

    public init(ready: Bool, components: [String: String]) {
        self.ready = ready
        self.components = components
    }
}
