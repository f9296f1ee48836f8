import HTTPTypes
import Synchronization

/// A response a replay server is told to give instead of its normal one.
public struct ReplayFault: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case rateLimited
        case status(HTTPResponse.Status)
        case stall(Duration)
        case reset
    }

    let kind: Kind

    /// The service's own "too many requests" answer: Brave's `429 RATE_LIMITED`
    /// envelope with its rate-limit headers, SearXNG's limiter `429`.
    public static var rateLimited: ReplayFault { ReplayFault(kind: .rateLimited) }

    /// An upstream failure with `status` (a 5xx, typically) and a gateway's plain
    /// HTML body, as a proxy in front of the service would send it.
    public static func serverError(_ status: HTTPResponse.Status = .internalServerError) -> ReplayFault {
        ReplayFault(kind: .status(status))
    }

    /// No answer for `duration` (then the normal one): the client's timeout should fire first.
    public static func stall(_ duration: Duration = .seconds(30)) -> ReplayFault {
        ReplayFault(kind: .stall(duration))
    }

    /// The connection drops in the middle of the body, as after a reset.
    public static var reset: ReplayFault { ReplayFault(kind: .reset) }
}

/// Scenario switches for tests: faults to inject into the next responses, and added latency.
///
/// Thread-safe; change it while the server runs. Faults are consumed in the order
/// they were queued, one per request to the service's search endpoint.
public final class ReplayScenarios: Sendable {
    private struct State {
        var faults: [ReplayFault] = []
        var latency: Duration = .zero
        var randomRate = 0.0
        var random = SplitMix64(seed: 0x5157_4654)
    }

    private let state = Mutex(State())

    /// Switches with nothing queued and no latency.
    public init() {}

    /// Makes the next `count` search requests answer with `fault`, after any faults already queued.
    public func inject(_ fault: ReplayFault, count: Int = 1) {
        guard count > 0 else { return }
        state.withLock { $0.faults.append(contentsOf: repeatElement(fault, count: count)) }
    }

    /// Makes the next `count` search requests answer `429` as the service does.
    public func rateLimitNext(_ count: Int) {
        inject(.rateLimited, count: count)
    }

    /// Makes the next `count` search requests fail with `status`.
    public func failNext(_ count: Int, status: HTTPResponse.Status = .internalServerError) {
        inject(.serverError(status), count: count)
    }

    /// Wall-clock time added before every response (real time, whatever clock the
    /// replay's rate limiter uses, so that client timeouts can be exercised).
    public var latency: Duration {
        get { state.withLock { $0.latency } }
        set { state.withLock { $0.latency = newValue } }
    }

    /// How many injected faults are still queued.
    public var pendingFaults: Int { state.withLock { $0.faults.count } }

    /// Drops queued faults and latency.
    public func reset() {
        state.withLock { $0 = State() }
    }

    /// Makes each search request fail with probability `rate` (0 to 1), at random but the
    /// same way on every run: a 503, a stall longer than any client waits, or a connection
    /// reset in the middle of the body, in equal shares. Queued faults come first.
    public func failAtRandom(rate: Double, seed: UInt64 = 0x5157_4654) {
        state.withLock {
            $0.randomRate = min(1, max(0, rate))
            $0.random = SplitMix64(seed: seed)
        }
    }

    func takeFault() -> ReplayFault? {
        state.withLock { state in
            if !state.faults.isEmpty { return state.faults.removeFirst() }
            guard state.randomRate > 0, state.random.nextUnit() < state.randomRate else { return nil }
            switch state.random.next() % 3 {
            case 0: return .serverError(.serviceUnavailable)
            case 1: return .stall()
            default: return .reset
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so random faults repeat run to run.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<1.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
