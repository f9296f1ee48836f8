import Prometheus

/// The metrics of a shared store (PostgreSQL): operation latency and errors by operation,
/// notification wake-ups against poll catches, lease takeovers and table sizes. Every
/// family and label set is built once, here; the `replica` label appears only on
/// `sift_replica_info` (``SiftMetrics/registerReplica(_:)``) and on lease takeovers, where
/// telling replicas apart matters.
public final class StoreMetrics: Sendable {
    /// The operations a store reports, each a label value of `operation`.
    public static let operations = [
        "connect", "migrate", "create", "append", "query", "events", "cancel", "renew", "takeover", "sweep",
        "session_read", "session_write", "cache_read", "cache_write", "listen", "count",
    ]
    /// The tables whose rows are exported.
    public static let tables = ["queries", "events", "sessions", "cache"]

    private let durations: [String: DurationHistogram]
    private let errors: [String: Counter]
    private let wakeups: [String: Counter]
    private let takeovers: Counter
    private let rows: [String: Gauge]

    public init(metrics: SiftMetrics, replica: String) {
        let registry = metrics.registry
        func descriptor(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "sift", metricName: name, unitName: unit, helpText: help)
        }
        let duration = descriptor("store_operation", "seconds", "Time a shared-store (PostgreSQL) operation took, by operation.")
        let error = descriptor("store_errors", "total", "Shared-store operations that failed, by operation.")
        var durations: [String: DurationHistogram] = [:]
        var errors: [String: Counter] = [:]
        for operation in Self.operations {
            durations[operation] = registry.makeDurationHistogram(
                descriptor: duration, labels: [("operation", operation)], buckets: SiftMetrics.latencyBuckets)
            errors[operation] = registry.makeCounter(descriptor: error, labels: [("operation", operation)])
        }
        self.durations = durations
        self.errors = errors
        let wakeup = descriptor(
            "store_wakeups", "total",
            "Readers of another replica's query that found new events, by what woke them (notify, or the poll that covers a missed notification).")
        self.wakeups = Dictionary(
            uniqueKeysWithValues: ["notify", "poll"].map {
                ($0, registry.makeCounter(descriptor: wakeup, labels: [("source", $0)]))
            })
        self.takeovers = registry.makeCounter(
            descriptor: descriptor(
                "store_lease_takeovers", "total",
                "Queries this replica ended with replica_lost because their owner's lease ran out."),
            labels: [("replica", replica)])
        let rowsDescriptor = descriptor("store_rows", "", "Rows in each shared-store table.")
        self.rows = Dictionary(
            uniqueKeysWithValues: Self.tables.map {
                ($0, registry.makeGauge(descriptor: rowsDescriptor, labels: [("table", $0)]))
            })
    }

    /// An operation finished after `duration`, or failed.
    public func record(_ operation: String, duration: Duration, failed: Bool) {
        durations[operation]?.record(duration)
        if failed { errors[operation]?.increment() }
    }

    /// A reader of another replica's query found new events after a notification or a poll.
    public func recordWakeup(notified: Bool) { wakeups[notified ? "notify" : "poll"]?.increment() }

    /// This replica ended a query whose owner's lease ran out.
    public func recordTakeover() { takeovers.increment() }

    /// Publishes the rows of `table`.
    public func recordRows(_ table: String, count: Int) { rows[table]?.set(Double(count)) }
}
