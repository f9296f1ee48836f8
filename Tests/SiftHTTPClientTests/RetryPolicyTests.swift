import Testing

@testable import SiftHTTPClient

@Suite struct RetryPolicyTests {
    /// A deterministic generator for the jitter.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func onlyIdempotentMethodsGetMoreThanOneAttempt() {
        #expect(RetryPolicy.default.attempts(for: .get) == 3)
        #expect(RetryPolicy.default.attempts(for: .head) == 3)
        #expect(RetryPolicy.default.attempts(for: .post) == 1)
        #expect(RetryPolicy.none.attempts(for: .get) == 1)
        #expect(RetryPolicy(maxAttempts: 0).attempts(for: .get) == 1)
    }

    @Test func retriesConnectFailuresAnd5xxOnly() {
        #expect(RetryPolicy.isRetryable(HTTPClientError(.connectFailed, "")))
        #expect(RetryPolicy.isRetryable(HTTPClientError(.resolveFailed, "")))
        var connectTimeout = HTTPClientError(.timedOut, "")
        connectTimeout.isConnectTimeout = true
        #expect(RetryPolicy.isRetryable(connectTimeout))
        for kind in [
            HTTPClientError.Kind.timedOut, .transport, .tls, .blockedAddress, .bodyTooLarge, .cancelled, .shutdown,
            .invalidURL, .tooManyRedirects,
        ] {
            #expect(!RetryPolicy.isRetryable(HTTPClientError(kind, "")), "\(kind)")
        }
        #expect(RetryPolicy.isRetryable(status: 500))
        #expect(RetryPolicy.isRetryable(status: 503))
        #expect(RetryPolicy.isRetryable(status: 599))
        #expect(!RetryPolicy.isRetryable(status: 404))
        #expect(!RetryPolicy.isRetryable(status: 429))
        #expect(!RetryPolicy.isRetryable(status: 200))
    }

    @Test func theBackoffCapDoublesUpToTheMaximum() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(2))
        #expect(policy.ceiling(beforeAttempt: 2) == .milliseconds(100))
        #expect(policy.ceiling(beforeAttempt: 3) == .milliseconds(200))
        #expect(policy.ceiling(beforeAttempt: 4) == .milliseconds(400))
        #expect(policy.ceiling(beforeAttempt: 6) == .milliseconds(1600))
        #expect(policy.ceiling(beforeAttempt: 7) == .seconds(2))
        #expect(policy.ceiling(beforeAttempt: 500) == .seconds(2))
    }

    @Test func delaysAreFullJitterBelowTheCap() {
        let policy = RetryPolicy.default
        var generator = SplitMix(state: 42)
        for attempt in 2...6 {
            let cap = policy.ceiling(beforeAttempt: attempt)
            let delays = (0..<200).map { _ in policy.delay(beforeAttempt: attempt, using: &generator) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= cap })
            #expect(delays.contains { $0 < cap / 4 }, "full jitter reaches near zero")
            #expect(delays.contains { $0 > cap * 3 / 4 }, "and near the cap")
        }
    }
}
