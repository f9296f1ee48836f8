import HTTPTypes

/// SearXNG's bot detection (the limiter, `server.limiter: true`), as a plain state machine
/// with no I/O. Modelled on searx/botdetection in https://github.com/searxng/searxng and
/// https://docs.searxng.org/src/searx.botdetection.html:
///
/// - on every path but `/healthz`: a `User-Agent` that is missing or starts like a bot or a
///   library (`curl`, `Wget`, `python-requests`, `Go-http-client`, `Java`, `okhttp`,
///   `HeadlessChrome`, ...) is blocked;
/// - on `/search`, in this order: an `Accept` that does not accept `text/html`, an
///   `Accept-Encoding` without a `gzip` or `deflate` token, an empty `Accept-Language`,
///   `Connection: close`, the `User-Agent` again, then the IP limits: more than 4 requests
///   with a format other than html in a sliding hour (`API_MAX`), more than 15 in 20 s
///   (`BURST_MAX`) or 150 in 600 s (`LONG_MAX`). Blocked requests still count.
///
/// Every block is `429 Too Many Requests` with the body `Too Many Requests`. Not modelled:
/// the pass and block IP lists, link tokens (`public_instance`), `Sec-Fetch-*` checks of
/// newer versions; all requests are taken to come from one client network.
struct SearXNGBotDetection: Sendable {
    struct Window: Sendable {
        let length: Duration
        let maximum: Int
        var hits: [ReplayInstant] = []

        /// Counts a hit at `now` and says whether the window is over its maximum.
        mutating func hit(at now: ReplayInstant) -> Bool {
            hits.removeAll { $0.advanced(by: length) <= now }
            hits.append(now)
            return hits.count > maximum
        }
    }

    let ipLimit: Bool
    var api = Window(length: .seconds(3_600), maximum: 4)
    var burst = Window(length: .seconds(20), maximum: 15)
    var long = Window(length: .seconds(600), maximum: 150)

    init(ipLimit: Bool) {
        self.ipLimit = ipLimit
    }

    /// Judges a request to `path` with output `format`; returns why it is blocked, or nil.
    mutating func check(path: String, format: String, headers: HTTPFields, at now: ReplayInstant) -> String? {
        if path == "/healthz" { return nil }
        if let reason = Self.userAgentProbe(headers) { return reason }
        guard path == "/search" else { return nil }
        if let reason = Self.headerProbes(headers) { return reason }
        guard ipLimit else { return nil }
        if format != "html", api.hit(at: now) { return "too many request in API_WINDOW" }
        if burst.hit(at: now) { return "too many request in BURST_WINDOW (BURST_MAX)" }
        if long.hit(at: now) { return "too many request in LONG_WINDOW (LONG_MAX)" }
        return nil
    }

    static func headerProbes(_ headers: HTTPFields) -> String? {
        let accepted = (headers[.accept] ?? "").split(separator: ",").map {
            ($0.split(separator: ";").first ?? "").trimmingASCIISpaces().lowercased()
        }
        if !accepted.contains(where: { ["text/html", "text/*", "*/*"].contains($0) }) {
            return "HTTP header Accept did not contain text/html"
        }
        let encodings = (headers[.acceptEncoding] ?? "").split(separator: ",").map { $0.trimmingASCIISpaces() }
        if !encodings.contains("gzip") && !encodings.contains("deflate") {
            return "HTTP header Accept-Encoding did not contain gzip nor deflate"
        }
        if (headers[.acceptLanguage] ?? "").trimmingASCIISpaces().isEmpty {
            return "missing HTTP header Accept-Language"
        }
        if (headers[.connection] ?? "").trimmingASCIISpaces() == "close" {
            return "HTTP header 'Connection=close"
        }
        return userAgentProbe(headers)
    }

    /// Starts of `User-Agent` values the limiter takes for bots (its regular expression is
    /// matched at the start of the value; `curl` in any case, `wget` with either first letter).
    static let botAgents = [
        "unknown", "Scrapy", "splash", "JavaFX", "FeedFetcher", "python-requests", "Go-http-client", "Java",
        "Jakarta", "okhttp", "HttpClient", "Jersey", "Python", "libwww-perl", "Ruby", "SynHttpClient",
        "UniversalFeedParser", "Googlebot", "GoogleImageProxy", "bingbot", "Baiduspider", "yacybot",
        "YandexMobileBot", "YandexBot", "Yahoo! Slurp", "MJ12bot", "AhrefsBot", "archive.org_bot", "msnbot",
        "SeznamBot", "linkdexbot", "Netvibes", "SMTBot", "zgrab", "James BOT", "Sogou", "Abonti", "Pixray",
        "Spinn3r", "SemrushBot", "Exabot", "ZmEu", "BLEXBot", "bitlybot", "HeadlessChrome",
        "Mozilla/5.0 (compatible; Farside/0.1.0; +https://farside.link)",
    ]

    static func userAgentProbe(_ headers: HTTPFields) -> String? {
        let agent = headers[.userAgent] ?? "unknown"
        let isBot =
            agent.lowercased().hasPrefix("curl") || agent.hasPrefix("wget") || agent.hasPrefix("Wget")
            || botAgents.contains { agent.hasPrefix($0) } || agent.contains("PetalBot")
        return isBot ? "bot detected, HTTP header User-Agent: \(agent)" : nil
    }
}
