import HTTPTypes
import Synchronization

/// A response a replay server is told to give instead of its normal one.
public struct ReplayFault: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case rateLimited
        case status(HTTPResponse.Status)
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
}

/// Scenario switches for tests: faults to inject into the next responses, and added latency.
///
/// Thread-safe; change it while the server runs. Faults are consumed in the order
/// they were queued, one per request to the service's search endpoint.
public final class ReplayScenarios: Sendable {
    private struct State {
        var faults: [ReplayFault] = []
        var latency: Duration = .zero
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

    func takeFault() -> ReplayFault? {
        state.withLock { $0.faults.isEmpty ? nil : $0.faults.removeFirst() }
    }
}
