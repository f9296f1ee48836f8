/// One rate-limit window as an upstream reports it: `limit` requests per window,
/// `remaining` of them left, and `reset` seconds until the window starts again.
public struct RateLimitWindow: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    /// Seconds until the window resets.
    public var reset: Int
    /// The window's length in seconds, from `X-RateLimit-Policy` (`15000;w=2592000`), when given.
    public var length: Int?

    public init(limit: Int, remaining: Int, reset: Int, length: Int? = nil) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.length = length
    }

    /// A window that spans more than a minute: a plan's quota rather than its pace.
    /// Waiting it out is not an answer; it is reported instead.
    public var isQuota: Bool { (length ?? reset) > 60 }

    /// Parses the comma-separated `X-RateLimit-Limit`, `-Remaining`, `-Reset` (and the
    /// optional `-Policy`) header values into windows, shortest first as sent.
    /// Returns an empty list when the headers are missing or do not line up.
    public static func parse(limit: String?, remaining: String?, reset: String?, policy: String? = nil) -> [RateLimitWindow] {
        func numbers(_ value: String?) -> [Int]? {
            guard let value else { return nil }
            let parts = value.split(separator: ",").map { $0.trimmingSpaces() }
            let parsed = parts.compactMap { Int($0) }
            return parsed.count == parts.count && !parsed.isEmpty ? parsed : nil
        }
        guard let limits = numbers(limit), let remainings = numbers(remaining), let resets = numbers(reset),
            limits.count == remainings.count, limits.count == resets.count
        else { return [] }
        // Policy entries look like `1;w=1`; take each window's `w`.
        var lengths: [Int?] = Array(repeating: nil, count: limits.count)
        if let policy {
            for (index, entry) in policy.split(separator: ",").enumerated() where index < lengths.count {
                for attribute in entry.split(separator: ";").dropFirst() {
                    let pair = attribute.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces() }
                    if pair.count == 2, pair[0] == "w" { lengths[index] = Int(pair[1]) }
                }
            }
        }
        return limits.indices.map {
            RateLimitWindow(limit: limits[$0], remaining: max(0, remainings[$0]), reset: max(0, resets[$0]), length: lengths[$0])
        }
    }
}

/// Paces requests to an upstream by the rate-limit windows it reports, so that a
/// plan of one request a second sees one request a second, not a storm of 429s.
///
/// Before each request ``acquire()`` waits until every short window has a request
/// left (counting the ones already in flight); a spent quota window throws
/// ``QuotaExhausted`` at once instead of waiting for days. Until the upstream has
/// reported its windows, requests go one at a time.
public actor UpstreamRateLimiter<C: Clock> where C.Duration == Duration {
    /// A quota window (longer than a minute) with nothing left.
    public struct QuotaExhausted: Error, Sendable, Equatable {
        public var limit: Int
        /// Time until the quota resets.
        public var resetsIn: Duration
    }

    private struct Known {
        var window: RateLimitWindow
        var resetAt: C.Instant
    }

    private let clock: C
    private var windows: [Known] = []
    private var inFlight = 0
    private var heard = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init(clock: C) {
        self.clock = clock
    }

    /// Waits until a request may be sent, and counts it as sent. Returns how long it waited.
    @discardableResult
    public func acquire() async throws -> Duration {
        let start = clock.now
        while true {
            try Task.checkCancellation()
            let now = clock.now
            // Windows that have reset are full again.
            for index in windows.indices where windows[index].resetAt <= now {
                windows[index].window.remaining = windows[index].window.limit
            }
            if let quota = windows.first(where: { $0.window.isQuota && $0.window.remaining <= 0 }) {
                throw QuotaExhausted(limit: quota.window.limit, resetsIn: now.duration(to: quota.resetAt))
            }
            if !heard {
                // Nothing known yet: one request at a time until the first answer tells us the plan.
                if inFlight == 0 { break }
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            let blocked = windows.filter { !$0.window.isQuota && $0.window.remaining <= 0 }
            guard let until = blocked.map(\.resetAt).max() else { break }
            try await clock.sleep(until: until, tolerance: nil)
        }
        inFlight += 1
        for index in windows.indices { windows[index].window.remaining -= 1 }
        return start.duration(to: clock.now)
    }

    /// Records the windows an answer reported (or none), and ends that request.
    public func update(_ reported: [RateLimitWindow]) {
        inFlight = max(0, inFlight - 1)
        if !reported.isEmpty {
            heard = true
            let now = clock.now
            // The answer counts the requests it saw; the ones still in flight are on top.
            windows = reported.map { window in
                var window = window
                window.remaining = max(0, window.remaining - inFlight)
                return Known(window: window, resetAt: now.advanced(by: .seconds(max(window.reset, window.isQuota ? 0 : 1))))
            }
        }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }

    /// Notes a 429: the short windows are spent until `retryAfter` (or their reset).
    public func rateLimited(retryAfter: Duration?) {
        let now = clock.now
        for index in windows.indices where !windows[index].window.isQuota {
            windows[index].window.remaining = 0
            if let retryAfter { windows[index].resetAt = max(windows[index].resetAt, now.advanced(by: retryAfter)) }
        }
        if windows.isEmpty, let retryAfter {
            heard = true
            windows = [Known(window: RateLimitWindow(limit: 1, remaining: 0, reset: 1), resetAt: now.advanced(by: retryAfter))]
        }
    }
}
