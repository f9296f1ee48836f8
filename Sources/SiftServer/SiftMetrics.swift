import Prometheus
import SiftCore
import SiftProviders

/// Sift's Prometheus metrics. The pipeline reports through ``PipelineObserver``;
/// the HTTP layer and stream writer call the `record…` methods. Labels are
/// low-cardinality enums and provider names, never a query or a URL.
public final class SiftMetrics: PipelineObserver, CacheObserver, LLMObserver, Sendable {
    /// The registry rendered at `/metrics`.
    public let registry: PrometheusCollectorRegistry
    private let process: ProcessMetrics

    private let queries: [PipelineEvent.Outcome: Counter]
    private let queryDuration: DurationHistogram
    private let firstEvent: [PipelineEvent.EventType: DurationHistogram]
    private let stageDuration: [Stage: DurationHistogram]
    private let eventsSent: [PipelineEvent.EventType: Counter]
    private let streamsActive: Gauge
    private let streamsDropped: [String: Counter]
    private let eventsDropped: Counter
    private let heartbeats: Counter
    private let fetches: [PipelineEvent.Fetch.State: Counter]
    private let fetchBytes: Counter
    private let fetchDuration: DurationHistogram
    private let cacheLookups: [String: Counter]
    private let connectionWait: [String: DurationHistogram]
    private let queueTimeouts: [String: Counter]
    private let sessionsActive: Gauge
    private let queriesRetained: Gauge
    private let queriesRetainedBytes: Gauge
    private let connectionsOpen: Gauge
    private let rejections: [Rejection: Counter]
    private let admissionRunning: Gauge
    private let admissionWaiting: Gauge
    private let admissionWait: DurationHistogram
    private let queriesRefused: [String: Counter]

    static let latencyBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
    ]

    /// Creates the metric families; `version` labels `sift_build_info`.
    public init(registry: PrometheusCollectorRegistry = .init(), version: String) {
        self.registry = registry
        self.process = ProcessMetrics(registry: registry)

        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "sift", metricName: name, unitName: unit, helpText: help)
        }
        let queriesDescriptor = descriptor("queries", "total", "Queries finished, by outcome.")
        self.queries = Dictionary(
            uniqueKeysWithValues: PipelineEvent.Outcome.allCases.map {
                ($0, registry.makeCounter(descriptor: queriesDescriptor, labels: [("outcome", $0.rawValue)]))
            })
        self.queryDuration = registry.makeDurationHistogram(
            descriptor: descriptor("query_duration", "seconds", "Time from accepting a query to its done event."),
            buckets: Self.latencyBuckets)
        let firstDescriptor = descriptor(
            "time_to_first_event", "seconds", "Time from accepting a query to its first event of a type.")
        self.firstEvent = Dictionary(
            uniqueKeysWithValues: [PipelineEvent.EventType.status, .source, .delta].map {
                (
                    $0,
                    registry.makeDurationHistogram(
                        descriptor: firstDescriptor, labels: [("event", $0.rawValue)], buckets: Self.latencyBuckets)
                )
            })
        let stageDescriptor = descriptor("stage_duration", "seconds", "Time spent in each pipeline stage.")
        self.stageDuration = Dictionary(
            uniqueKeysWithValues: [Stage.analyzing, .searching, .fetching, .ranking, .synthesizing].map {
                (
                    $0,
                    registry.makeDurationHistogram(
                        descriptor: stageDescriptor, labels: [("stage", $0.rawValue)], buckets: Self.latencyBuckets)
                )
            })
        let eventsDescriptor = descriptor("stream_events", "total", "Events written to clients, by type.")
        self.eventsSent = Dictionary(
            uniqueKeysWithValues: PipelineEvent.EventType.allCases.map {
                ($0, registry.makeCounter(descriptor: eventsDescriptor, labels: [("type", $0.rawValue)]))
            })
        self.streamsActive = registry.makeGauge(
            descriptor: descriptor("streams_active", "", "Event streams open now."))
        let droppedDescriptor = descriptor(
            "streams_dropped", "total", "Streams closed by the server before done, by reason.")
        self.streamsDropped = Dictionary(
            uniqueKeysWithValues: ["slow_client", "disconnected"].map {
                ($0, registry.makeCounter(descriptor: droppedDescriptor, labels: [("reason", $0)]))
            })
        self.eventsDropped = registry.makeCounter(
            descriptor: descriptor(
                "stream_events_dropped", "total", "Events not delivered because a client's buffer was full."))
        self.heartbeats = registry.makeCounter(
            descriptor: descriptor("stream_heartbeats", "total", "Heartbeat comments written to idle streams."))
        let fetchDescriptor = descriptor("fetch", "total", "Web pages read, by outcome (done, failed, skipped).")
        self.fetches = Dictionary(
            uniqueKeysWithValues: [PipelineEvent.Fetch.State.done, .failed, .skipped].map {
                ($0, registry.makeCounter(descriptor: fetchDescriptor, labels: [("outcome", $0.rawValue)]))
            })
        self.fetchBytes = registry.makeCounter(
            descriptor: descriptor("fetch_bytes", "total", "Bytes of web pages read (network and cache)."))
        self.fetchDuration = registry.makeDurationHistogram(
            descriptor: descriptor("fetch_duration", "seconds", "Time to read one web page, whatever the outcome."),
            buckets: Self.latencyBuckets)
        let cacheDescriptor = descriptor(
            "cache_requests", "total", "Cache lookups, by cache (search, page) and result (hit, miss).")
        var lookups: [String: Counter] = [:]
        for cache in ["search", "page"] {
            for result in ["hit", "miss"] {
                lookups["\(cache):\(result)"] = registry.makeCounter(
                    descriptor: cacheDescriptor, labels: [("cache", cache), ("result", result)])
            }
        }
        self.cacheLookups = lookups
        let waitDescriptor = descriptor(
            "http_connection_wait", "seconds",
            "Time an outbound request waited for a free connection in its pool (brave, searxng, pages, llm), before resolving or connecting.")
        self.connectionWait = Dictionary(
            uniqueKeysWithValues: Self.httpPools.map {
                ($0, registry.makeDurationHistogram(descriptor: waitDescriptor, labels: [("pool", $0)], buckets: Self.latencyBuckets))
            })
        let queueTimeoutDescriptor = descriptor(
            "http_queue_timeouts", "total",
            "Outbound requests that ran out of their timeout still waiting for a connection, by pool: the pool is too small for the load.")
        self.queueTimeouts = Dictionary(
            uniqueKeysWithValues: Self.httpPools.map {
                ($0, registry.makeCounter(descriptor: queueTimeoutDescriptor, labels: [("pool", $0)]))
            })
        self.sessionsActive = registry.makeGauge(
            descriptor: descriptor("sessions_active", "", "Sessions kept for follow-up questions."))
        self.queriesRetained = registry.makeGauge(
            descriptor: descriptor(
                "queries_retained", "", "Query event logs kept, running and finished (every route: streams, answers, POST /v1/queries)."))
        self.queriesRetainedBytes = registry.makeGauge(
            descriptor: descriptor("queries_retained", "bytes", "Bytes of the query event logs kept."))
        self.connectionsOpen = registry.makeGauge(
            descriptor: descriptor("http_connections_open", "", "HTTP connections open now."))
        let rejectionsDescriptor = descriptor(
            "http_rejections", "total",
            "Requests and connections refused or closed at the connection level, by reason (docs/security.md).")
        self.rejections = Dictionary(
            uniqueKeysWithValues: Rejection.allCases.map {
                ($0, registry.makeCounter(descriptor: rejectionsDescriptor, labels: [("reason", $0.rawValue)]))
            })
        self.admissionRunning = registry.makeGauge(
            descriptor: descriptor("query_queue_running", "", "Queries holding a CPU slot now (at most SIFT_QUERY_CONCURRENCY)."))
        self.admissionWaiting = registry.makeGauge(
            descriptor: descriptor(
                "query_queue_depth", "", "Queries admitted and waiting for a CPU slot now; at SIFT_QUERY_QUEUE new ones get 503 overloaded."))
        self.admissionWait = registry.makeDurationHistogram(
            descriptor: descriptor(
                "query_queue_wait", "seconds",
                "Time a query waited for a CPU slot, each time it asked (at its start, and back from the network)."),
            buckets: Self.latencyBuckets)
        let refusedDescriptor = descriptor(
            "queries_refused", "total",
            "Queries refused with 503 overloaded, by reason: max_streams (SIFT_MAX_STREAMS running) or queue_full (SIFT_QUERY_QUEUE waiting).")
        self.queriesRefused = Dictionary(
            uniqueKeysWithValues: ["max_streams", "queue_full"].map {
                ($0, registry.makeCounter(descriptor: refusedDescriptor, labels: [("reason", $0)]))
            })
        registry.makeGauge(
            descriptor: descriptor("build", "info", "Build information; the value is always 1."),
            labels: [("version", version)]
        ).set(1.0)
    }

    // MARK: the CPU queue

    /// Publishes the queue's limits (`sift_query_queue_concurrency`, `sift_query_queue_capacity`).
    public func recordAdmissionLimits(concurrency: Int, queue: Int) {
        publishSetting("query_queue_concurrency", concurrency, help: "Queries that may compute at once (SIFT_QUERY_CONCURRENCY).")
        publishSetting(
            "query_queue_capacity", queue,
            help: "Queries that may wait for a CPU slot before new ones are refused (SIFT_QUERY_QUEUE).")
    }

    /// The queries computing and waiting now.
    public func recordAdmission(running: Int, waiting: Int) {
        admissionRunning.set(Double(running))
        admissionWaiting.set(Double(waiting))
    }

    /// A query waited `waited` for a CPU slot.
    public func recordAdmissionWait(_ waited: Duration) { admissionWait.record(waited) }

    /// A query was refused because the CPU queue was full.
    public func recordAdmissionRefused() { queriesRefused["queue_full"]?.increment() }

    /// A query was refused because `SIFT_MAX_STREAMS` were running.
    public func recordStreamsRefused() { queriesRefused["max_streams"]?.increment() }

    /// The outbound connection pools siftd runs, one libcurl client each.
    public static let httpPools = ["brave", "searxng", "pages", "llm"]

    // MARK: outbound connection pools

    /// An outbound request in `pool` waited `waited` for a connection.
    public func recordConnectionWait(pool: String, waited: Duration) {
        connectionWait[pool]?.record(waited)
    }

    /// An outbound request in `pool` gave up waiting for a connection.
    public func recordQueueTimeout(pool: String) {
        queueTimeouts[pool]?.increment()
    }

    // MARK: PipelineObserver

    public func firstEvent(_ id: QueryID, type: PipelineEvent.EventType, elapsed: Duration) {
        firstEvent[type]?.record(elapsed)
    }

    public func stageCompleted(_ id: QueryID, stage: Stage, duration: Duration) {
        stageDuration[stage]?.record(duration)
    }

    public func providerCompleted(_ id: QueryID, provider: String, status: String, duration: Duration) {
        registry.makeCounter(descriptor: Self.providerRequestsDescriptor, labels: [("provider", provider), ("status", status)])
            .increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "provider_request_duration", unitName: "seconds",
                helpText: "Search provider request latency, by provider."),
            labels: [("provider", provider)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    public func queryFinished(_ id: QueryID, outcome: PipelineEvent.Outcome, duration: Duration) {
        queries[outcome]?.increment()
        queryDuration.record(duration)
    }

    public func providerRateLimited(_ id: QueryID, provider: String) {
        rateLimitedCounter(provider).increment()
    }

    public func fetchCompleted(_ id: QueryID, outcome: PipelineEvent.Fetch.State, bytes: Int, duration: Duration) {
        fetches[outcome]?.increment()
        if bytes > 0 { fetchBytes.increment(by: Int64(bytes)) }
        fetchDuration.record(duration)
    }

    // MARK: CacheObserver

    public func cacheLookup(namespace: String, hit: Bool) {
        cacheLookups["\(namespace):\(hit ? "hit" : "miss")"]?.increment()
    }

    /// Creates the per-provider series for `providers` at zero, so dashboards and
    /// alerts see them before the first query.
    public func registerProviders(_ providers: [String]) {
        for provider in providers {
            _ = rateLimitedCounter(provider)
            for status in ["ok", "empty"] {
                _ = registry.makeCounter(
                    descriptor: Self.providerRequestsDescriptor, labels: [("provider", provider), ("status", status)])
            }
        }
    }

    private func rateLimitedCounter(_ provider: String) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "provider_rate_limited", unitName: "total",
                helpText: "Searches that waited for, or were refused by, a provider's rate limit, by provider."),
            labels: [("provider", provider)])
    }

    static var providerRequestsDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
        namespace: "sift", metricName: "provider_requests", unitName: "total",
            helpText: "Search provider requests, by provider and status (ok, empty, or an error code).")
    }

    // MARK: LLMObserver

    static let tokenRateBuckets: [Double] = [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500, 1000]
    static let llmErrorKinds = [
        "unauthorized", "rate_limited", "context_overflow", "bad_request", "model_not_found", "server_error",
        "first_token_timeout", "token_timeout", "connection", "malformed", "upstream_error", "empty_answer",
    ]
    static let llmFallbackReasons = ["not_configured", "all_models_failed"] + llmErrorKinds

    static var llmRequests: MetricNameDescriptor {
        llmDescriptor(
            "requests", "total", "LLM chat requests, by model and outcome (ok, error, cancelled).")
    }
    static var llmTokenCount: MetricNameDescriptor {
        llmDescriptor(
            "tokens", "total", "Tokens an LLM read (kind=prompt) and wrote (kind=completion), by model.")
    }
    static var llmFallbacks: MetricNameDescriptor {
        llmDescriptor(
            "fallbacks", "total", "Answers the extractive synthesizer wrote because the LLM failed or is not set up, by reason.")
    }

    public func llmRequestFinished(model: String, outcome: String) {
        registry.makeCounter(descriptor: Self.llmRequests, labels: [("model", model), ("outcome", outcome)]).increment()
    }

    public func llmTokens(model: String, prompt: Int, completion: Int) {
        for (kind, count) in [("prompt", prompt), ("completion", completion)] where count > 0 {
            registry.makeCounter(descriptor: Self.llmTokenCount, labels: [("model", model), ("kind", kind)])
                .increment(by: Int64(count))
        }
    }

    public func llmFirstToken(model: String, after: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.llmDescriptor(
                "time_to_first_token", "seconds", "Time from sending a chat request to its first answer token, by model."),
            labels: [("model", model)], buckets: Self.latencyBuckets
        ).record(after)
    }

    public func llmGenerationRate(model: String, tokensPerSecond: Double) {
        registry.makeValueHistogram(
            descriptor: Self.llmDescriptor(
                "generation_rate", "tokens_per_second", "Answer tokens a second, from first token to last, by model."),
            labels: [("model", model)], buckets: Self.tokenRateBuckets
        ).record(tokensPerSecond)
    }

    public func llmFailed(model: String, kind: String) {
        registry.makeCounter(
            descriptor: Self.llmDescriptor("errors", "total", "LLM request failures, by model and kind."),
            labels: [("model", model), ("kind", kind)]
        ).increment()
    }

    public func llmFellBack(reason: String) {
        registry.makeCounter(descriptor: Self.llmFallbacks, labels: [("reason", reason)]).increment()
    }

    /// Creates the per-model series at zero, so dashboards and alerts see them before the first answer.
    public func registerModels(_ models: [String]) {
        for model in models {
            for outcome in ["ok", "error", "cancelled"] {
                _ = registry.makeCounter(descriptor: Self.llmRequests, labels: [("model", model), ("outcome", outcome)])
            }
            for kind in ["prompt", "completion"] {
                _ = registry.makeCounter(descriptor: Self.llmTokenCount, labels: [("model", model), ("kind", kind)])
            }
        }
        for reason in Self.llmFallbackReasons {
            _ = registry.makeCounter(descriptor: Self.llmFallbacks, labels: [("reason", reason)])
        }
    }

    private static func llmDescriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sift", metricName: "llm_\(name)", unitName: unit, helpText: help)
    }

    /// Publishes how many sessions are kept.
    public func recordSessions(_ count: Int) { sessionsActive.set(Double(count)) }

    /// Publishes `sift_replica_info{replica}` 1: this siftd's name among replicas (`SIFT_REPLICA_ID`,
    /// by default `hostname:port`), with or without a database.
    public func registerReplica(_ replica: String) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "replica_info", unitName: "",
                helpText: "This replica's identity (SIFT_REPLICA_ID, else hostname:port); always 1."),
            labels: [("replica", replica)]
        ).set(1.0)
    }

    /// Publishes how many query event logs are kept, and the bytes of their events.
    public func recordResumableQueries(count: Int, bytes: Int) {
        queriesRetained.set(Double(count))
        queriesRetainedBytes.set(Double(bytes))
    }

    // MARK: Transport

    /// An event was written to a client.
    public func recordEventSent(_ type: PipelineEvent.EventType) { eventsSent[type]?.increment() }
    /// A heartbeat comment was written.
    public func recordHeartbeat() { heartbeats.increment() }
    /// Publishes the most streams that may be open at once (`SIFT_MAX_STREAMS`), so that
    /// dashboards and alerts can compare `sift_streams_active` with it.
    public func recordStreamCapacity(_ capacity: Int) {
        publishSetting(
            "streams_max", capacity, help: "Most event streams open at once (SIFT_MAX_STREAMS); more get HTTP 503 overloaded.")
    }

    /// Publishes a configured bound as the gauge `sift_<name>`, so that dashboards and alerts can compare with it.
    private func publishSetting(_ name: String, _ value: Int, help: String) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "sift", metricName: name, unitName: "", helpText: help)
        ).set(Double(value))
    }

    /// A stream opened (+1) or closed (-1).
    public func recordStreamDelta(_ delta: Int) {
        if delta > 0 { streamsActive.increment(by: Double(delta)) } else { streamsActive.decrement(by: Double(-delta)) }
    }
    /// A stream was closed early; `reason` is `slow_client` or `disconnected`.
    public func recordStreamDropped(reason: String, undelivered: Int) {
        streamsDropped[reason]?.increment()
        if undelivered > 0 { eventsDropped.increment(by: Int64(undelivered)) }
    }

    /// Why a request or connection was refused, or closed by the server (`sift_http_rejections_total`).
    public enum Rejection: String, Sendable, CaseIterable {
        /// Accepted over `SIFT_MAX_CONNECTIONS`, answered 503 and closed.
        case connectionLimit = "connection_limit"
        /// A request head did not complete within `SIFT_HEADER_TIMEOUT_SECONDS`.
        case headerTimeout = "header_timeout"
        /// A request body did not complete within `SIFT_BODY_TIMEOUT_SECONDS`.
        case bodyTimeout = "body_timeout"
        /// A keep-alive connection idle for `SIFT_IDLE_TIMEOUT_SECONDS` was closed.
        case idleTimeout = "idle_timeout"
        /// At `SIFT_MAX_CONNECTIONS`, the connection idle longest was closed to make room for a new one.
        case idleEvicted = "idle_evicted"
        /// The HTTP parser refused the request (400).
        case malformedRequest = "malformed_request"
        /// The request head was over the size or field cap (431).
        case headersTooLarge = "headers_too_large"
        /// The request body was over the cap (413).
        case bodyTooLarge = "body_too_large"
        /// The Host is not in `SIFT_ALLOWED_HOSTS` (421).
        case hostNotAllowed = "host_not_allowed"
        /// A browser request from a foreign origin (403).
        case originNotAllowed = "origin_not_allowed"
        /// A JSON route sent a form or text body (415).
        case unsupportedMediaType = "unsupported_media_type"
    }

    /// Counts one rejection.
    public func recordRejection(_ reason: Rejection) { rejections[reason]?.increment() }

    /// Publishes the most connections open at once (`SIFT_MAX_CONNECTIONS`, as lowered to the open-file limit).
    public func recordConnectionCapacity(_ capacity: Int) {
        publishSetting(
            "http_connections_max", capacity,
            help: "Most HTTP connections open at once (SIFT_MAX_CONNECTIONS, lowered to fit the open-file limit); more get 503.")
    }

    /// A connection opened (+1) or closed (-1).
    public func recordConnectionDelta(_ delta: Int) {
        if delta > 0 { connectionsOpen.increment(by: Double(delta)) } else { connectionsOpen.decrement(by: Double(-delta)) }
    }

    /// An HTTP request finished; `route` is the matched route pattern.
    public func recordHTTPRequest(route: String, status: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "http_requests", unitName: "total",
                helpText: "HTTP requests, by route pattern and status code."),
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// Publishes the size of the open knowledge-base index.
    public func recordKnowledgeBase(documents: Int, passages: Int) {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "knowledge_base_documents", unitName: "", helpText: "Documents in the knowledge-base index.")
        ).set(Double(documents))
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "knowledge_base_passages", unitName: "", helpText: "Passages in the knowledge-base index.")
        ).set(Double(passages))
    }

    /// Counts one configuration reload (SIGHUP) and whether it was applied.
    public func recordReload(success: Bool) {
        registry.makeCounter(descriptor: Self.reloads, labels: [("outcome", success ? "applied" : "rejected")]).increment()
        registry.makeGauge(descriptor: Self.lastReloadSuccessful).set(success ? 1.0 : 0.0)
    }

    /// Creates the reload series at start, so that they exist before the first reload.
    public func registerReloads() {
        for outcome in ["applied", "rejected"] {
            _ = registry.makeCounter(descriptor: Self.reloads, labels: [("outcome", outcome)])
        }
        registry.makeGauge(descriptor: Self.lastReloadSuccessful).set(1.0)
    }

    static var reloads: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "sift", metricName: "config_reloads", unitName: "total",
            helpText: "Configuration reloads (SIGHUP), by outcome: applied, or rejected (the running configuration kept serving).")
    }
    static var lastReloadSuccessful: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "sift", metricName: "config_last_reload_successful", unitName: "",
            helpText: "1 when the last configuration reload was applied (or none was tried), 0 when it was rejected.")
    }

    // MARK: API keys

    /// Creates `name`'s series at zero when the key set is read: the label values are the key names,
    /// bounded by the key set, never by what a client sends.
    public func registerKey(_ name: String) {
        recordKeyRequest(name, count: 0)
        recordKeyUpstream(name, count: 0)
        recordKeyTokens(name, count: 0)
    }

    /// A request came with key `name`.
    public func recordKeyRequest(_ name: String, count: Int = 1) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "key_requests", unitName: "total",
                helpText: "Requests with a valid API key, by key name."),
            labels: [("key", name)]
        ).increment(by: Int64(count))
    }

    /// A request was refused for `reason` (`unauthorized`, `key_in_url`, `forbidden`, `rate_limited`,
    /// `too_many_streams`, `budget_exhausted`, `not_owner`); `name` is empty when no valid key came.
    public func recordKeyRejection(_ name: String, reason: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "key_rejections", unitName: "total",
                helpText: "Requests refused by the API-key checks, by key name (empty without a valid key) and reason."),
            labels: [("key", name), ("reason", reason)]
        ).increment()
    }

    /// Queries asked with key `name` sent `count` requests to a search upstream (cache hits are not counted).
    public func recordKeyUpstream(_ name: String, count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "key_upstream_requests", unitName: "total",
                helpText: "Upstream search requests (Brave, SearXNG) made for queries asked with a key, by key name."),
            labels: [("key", name)]
        ).increment(by: Int64(count))
    }

    /// Queries asked with key `name` spent `count` LLM tokens.
    public func recordKeyTokens(_ name: String, count: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "sift", metricName: "key_llm_tokens", unitName: "total",
                helpText: "LLM tokens (prompt and completion) spent on queries asked with a key, by key name."),
            labels: [("key", name)]
        ).increment(by: Int64(count))
    }

    /// Renders the Prometheus text exposition, refreshing process metrics first.
    public func render() -> [UInt8] {
        process.refresh()
        return registry.emitToBuffer()
    }
}
