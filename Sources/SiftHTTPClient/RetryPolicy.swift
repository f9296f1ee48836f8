/// How an idempotent request is retried: on resolve and connect failures (a connect
/// timeout included: nothing was sent) and on 5xx responses; never on 4xx, on a timeout
/// once connected, on a refused (blocked) address or on other transport errors. Attempts
/// are separated by full-jitter exponential backoff.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included; 1 never retries.
    public var maxAttempts: Int
    /// The backoff cap before the second attempt; it doubles for each later one.
    public var baseDelay: Duration
    /// The largest backoff cap.
    public var maxDelay: Duration

    /// A policy of `maxAttempts` attempts in total.
    public init(maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(2)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// One attempt, no retry.
    public static let none = RetryPolicy(maxAttempts: 1)
    /// Three attempts, 100 ms base delay, 2 s cap.
    public static let `default` = RetryPolicy()

    /// Attempts allowed for `method`: one for a method that is not idempotent.
    func attempts(for method: HTTPMethod) -> Int {
        method.isIdempotent ? max(1, maxAttempts) : 1
    }

    /// Whether an attempt that ended with `status` deserves another try.
    static func isRetryable(status: Int) -> Bool {
        (500...599).contains(status)
    }

    /// Whether an attempt that failed with `error` deserves another try.
    static func isRetryable(_ error: HTTPClientError) -> Bool {
        error.isConnectFailure
    }

    /// The wait before attempt `attempt` (2 for the first retry): uniformly random between
    /// zero and `min(maxDelay, baseDelay * 2^(attempt - 2))` ("full jitter").
    func delay(beforeAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let cap = ceiling(beforeAttempt: attempt)
        let capNanoseconds = nanoseconds(cap)
        guard capNanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...capNanoseconds, using: &generator))
    }

    /// The upper bound of `delay(beforeAttempt:using:)`.
    func ceiling(beforeAttempt attempt: Int) -> Duration {
        let doublings = min(max(attempt - 2, 0), 30)
        let base = nanoseconds(baseDelay)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << doublings)
        let limit = nanoseconds(maxDelay)
        return .nanoseconds(overflow ? limit : min(scaled, limit))
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }
}
