/// Brave's two rate-limit windows for one subscription, as a plain state machine with no
/// I/O: a per-second window and a monthly quota.
///
/// Facts it models (https://api.search.brave.com/app/documentation/web-search/response-headers):
/// the headers list one value per window, per-second first; the policy gives each window
/// in seconds (`1;w=1, 15000;w=2592000`); remaining counts what is left in each window;
/// reset is the number of seconds until each window's quota is whole again; and "only
/// successful requests are counted and billed". A monthly quota of 0 means uncapped, as
/// Brave reports for pay-as-you-go keys (`50;w=1, 0;w=2592000` with remaining `49, 0`).
///
/// Guessed: the per-second window is fixed and opens at the first counted request (a
/// sliding log would give the same answers to a client that respects the headers).
struct BraveRateLimiter<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// What the limiter says about a request.
    enum Verdict: Equatable {
        case allowed
        case rateLimited
        case quotaExceeded
    }

    /// The values of the four `X-RateLimit-*` headers.
    struct Headers: Equatable {
        var limit: String
        var policy: String
        var remaining: String
        var reset: String
    }

    static var second: Duration { .seconds(1) }

    let perSecond: Int
    let monthlyQuota: Int
    let monthWindow: Duration

    private(set) var windowStart: Instant?
    private(set) var windowCount = 0
    private(set) var monthEnd: Instant
    private(set) var monthUsed: Int

    /// A limiter at `now`, with `monthUsed` requests already counted this month and the
    /// month ending `monthRemaining` from now.
    init(perSecond: Int, monthlyQuota: Int, monthUsed: Int, monthWindow: Duration, monthRemaining: Duration, now: Instant) {
        self.perSecond = max(1, perSecond)
        self.monthlyQuota = max(0, monthlyQuota)
        self.monthWindow = monthWindow > .zero ? monthWindow : .seconds(2_592_000)
        self.monthUsed = max(0, monthUsed)
        self.monthEnd = now.advanced(by: monthRemaining > .zero ? monthRemaining : self.monthWindow)
    }

    /// Requests counted in the current per-second window.
    func currentRate(at now: Instant) -> Int {
        guard let windowStart, now < windowStart.advanced(by: Self.second) else { return 0 }
        return windowCount
    }

    /// Requests counted this month.
    func currentMonthUsage(at now: Instant) -> Int {
        now < monthEnd ? monthUsed : 0
    }

    /// What is left of the monthly quota (0 when uncapped, as Brave reports it).
    func monthRemaining(at now: Instant) -> Int {
        monthlyQuota == 0 ? 0 : max(0, monthlyQuota - currentMonthUsage(at: now))
    }

    /// Decides on a request at `now`; when it is allowed and `billable` (it will succeed),
    /// counts it in both windows.
    mutating func admit(at now: Instant, billable: Bool) -> Verdict {
        roll(to: now)
        if windowCount >= perSecond { return .rateLimited }
        if monthlyQuota > 0 && monthUsed >= monthlyQuota { return .quotaExceeded }
        if billable {
            if windowStart == nil { windowStart = now }
            windowCount += 1
            monthUsed += 1
        }
        return .allowed
    }

    /// The header values at `now`.
    func headers(at now: Instant) -> Headers {
        let rate = currentRate(at: now)
        let secondReset: Int64 =
            if let windowStart, now < windowStart.advanced(by: Self.second) {
                max(1, now.duration(to: windowStart.advanced(by: Self.second)).ceilingSeconds)
            } else {
                1
            }
        var end = monthEnd
        while end <= now { end = end.advanced(by: monthWindow) }
        let monthReset = now.duration(to: end).ceilingSeconds
        let monthSeconds = monthWindow.components.seconds
        return Headers(
            limit: "\(perSecond), \(monthlyQuota)",
            policy: "\(perSecond);w=1, \(monthlyQuota);w=\(monthSeconds)",
            remaining: "\(max(0, perSecond - rate)), \(monthRemaining(at: now))",
            reset: "\(secondReset), \(monthReset)")
    }

    private mutating func roll(to now: Instant) {
        if let start = windowStart, now >= start.advanced(by: Self.second) {
            windowStart = nil
            windowCount = 0
        }
        while now >= monthEnd {
            monthEnd = monthEnd.advanced(by: monthWindow)
            monthUsed = 0
        }
    }
}
