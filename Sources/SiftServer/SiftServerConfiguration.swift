/// Transport limits and timings of the HTTP server.
public struct SiftServerConfiguration: Sendable, Equatable {
    /// Most event streams open at once (`SIFT_MAX_STREAMS`).
    public var maxStreams: Int
    /// Events buffered per client before a slow client is dropped (`SIFT_STREAM_BUFFER`).
    public var streamBuffer: Int
    /// Interval of `: ping` comments on a stream (`SIFT_HEARTBEAT_SECONDS`).
    public var heartbeat: Duration
    /// Largest accepted request body in bytes.
    public var maxBodyBytes: Int
    /// Version reported in `sift_build_info` and `/healthz`.
    public var version: String
    /// Models a request may name in `models`; nil allows any (`SIFT_LLM_ALLOW_MODELS=*`, or no LLM at all,
    /// when asking for models only earns a warning).
    public var allowedModels: Set<String>?

    public init(
        maxStreams: Int = 2048, streamBuffer: Int = 1024, heartbeat: Duration = .seconds(15),
        maxBodyBytes: Int = 64 * 1024, version: String = "dev"
    ) {
        self.maxStreams = maxStreams
        self.streamBuffer = streamBuffer
        self.heartbeat = heartbeat
        self.maxBodyBytes = maxBodyBytes
        self.version = version
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
