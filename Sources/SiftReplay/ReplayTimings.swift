import Synchronization

/// The replay's own cost per request, measured from its side, so that a benchmark can tell
/// the replay's share of a latency from the client's: `work`, the time spent building the
/// answer (parsing, validation, rate limiting, JSON encoding, compression), and `late`, how
/// much longer than the configured latency the injected sleep took.
///
/// Served as JSON at `GET /_replay/timings` by the replays that record it (Brave);
/// `POST /_replay/timings/reset` forgets what was recorded. Keeps the last 100,000 requests.
public final class ReplayTimings: Sendable {
    /// Percentiles of what was recorded, in milliseconds.
    public struct Summary: Sendable, Codable, Equatable {
        public var count: Int
        public var workP50Ms: Double
        public var workP99Ms: Double
        public var lateP50Ms: Double
        public var lateP99Ms: Double
        /// Work plus lateness, per request: everything the replay added to the configured latency.
        public var ownP50Ms: Double
        public var ownP99Ms: Double

        enum CodingKeys: String, CodingKey {
            case count
            case workP50Ms = "work_p50_ms"
            case workP99Ms = "work_p99_ms"
            case lateP50Ms = "late_p50_ms"
            case lateP99Ms = "late_p99_ms"
            case ownP50Ms = "own_p50_ms"
            case ownP99Ms = "own_p99_ms"
        }
    }

    private struct Entry {
        var work: Duration
        var late: Duration
    }

    private static let capacity = 100_000
    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Records one request.
    public func record(work: Duration, late: Duration) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeFirst(entries.count - Self.capacity + 1) }
            entries.append(Entry(work: work, late: max(.zero, late)))
        }
    }

    /// Forgets every request.
    public func reset() {
        entries.withLock { $0.removeAll() }
    }

    /// The percentiles of what was recorded.
    public var summary: Summary {
        let recorded = entries.withLock { $0 }
        func percentiles(_ values: [Duration]) -> (Double, Double) {
            guard !values.isEmpty else { return (0, 0) }
            let sorted = values.sorted()
            func at(_ share: Double) -> Double {
                let index = min(sorted.count - 1, Int((Double(sorted.count) * share).rounded(.up)) - 1)
                let value = sorted[max(0, index)]
                let milliseconds = Double(value.components.seconds) * 1000 + Double(value.components.attoseconds) / 1e15
                return (milliseconds * 1000).rounded() / 1000
            }
            return (at(0.5), at(0.99))
        }
        let work = percentiles(recorded.map(\.work))
        let late = percentiles(recorded.map(\.late))
        let own = percentiles(recorded.map { $0.work + $0.late })
        return Summary(
            count: recorded.count, workP50Ms: work.0, workP99Ms: work.1, lateP50Ms: late.0, lateP99Ms: late.1,
            ownP50Ms: own.0, ownP99Ms: own.1)
    }
}
