import HTTPTypes
@testable import SiftReplay
import Testing

@Suite struct SearXNGBotDetectionTests {
    private let good = fields([
        "User-Agent": "Mozilla/5.0 Sift", "Accept": "*/*", "Accept-Language": "en", "Accept-Encoding": "deflate, gzip",
    ])

    @Test func headerProbesInSearXNGsOrder() {
        #expect(SearXNGBotDetection.headerProbes(good) == nil)
        var headers = good
        headers[.accept] = "application/json"
        headers[.acceptLanguage] = nil
        #expect(SearXNGBotDetection.headerProbes(headers) == "HTTP header Accept did not contain text/html")
        headers[.accept] = "text/*"
        #expect(SearXNGBotDetection.headerProbes(headers) == "missing HTTP header Accept-Language")
        headers[.acceptLanguage] = "  "
        #expect(SearXNGBotDetection.headerProbes(headers) == "missing HTTP header Accept-Language")
        headers[.acceptLanguage] = "de"
        headers[.acceptEncoding] = "gzip;q=1.0"
        #expect(SearXNGBotDetection.headerProbes(headers) == "HTTP header Accept-Encoding did not contain gzip nor deflate")
    }

    @Test(arguments: [
        ("curl/8.5.0", true), ("CURL", true), ("Wget/1.21", true), ("wget", true), ("python-requests/2.31", true),
        ("Go-http-client/1.1", true), ("Java/17", true), ("Mozilla/5.0 PetalBot", true), ("HeadlessChrome/120", true),
        ("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", false), ("sift/0.1 libcurl", false),
    ])
    func userAgents(agent: String, isBot: Bool) {
        #expect((SearXNGBotDetection.userAgentProbe(fields(["User-Agent": agent])) != nil) == isBot)
    }

    @Test func aMissingUserAgentIsABotEvenOutsideSearch() {
        var detection = SearXNGBotDetection(ipLimit: false)
        #expect(detection.check(path: "/", format: "html", headers: [:], at: ReplayInstant(offset: .zero)) != nil)
        #expect(detection.check(path: "/healthz", format: "html", headers: [:], at: ReplayInstant(offset: .zero)) == nil)
        #expect(detection.check(path: "/", format: "html", headers: good, at: ReplayInstant(offset: .zero)) == nil)
    }

    @Test func theBurstWindowSlides() {
        var detection = SearXNGBotDetection(ipLimit: true)
        var verdicts: [Bool] = []
        for second in 0..<16 {
            verdicts.append(
                detection.check(path: "/search", format: "html", headers: good, at: ReplayInstant(offset: .seconds(second)))
                    != nil)
        }
        #expect(verdicts == Array(repeating: false, count: 15) + [true])
        let later = detection.check(path: "/search", format: "html", headers: good, at: ReplayInstant(offset: .seconds(21)))
        #expect(later == nil, "hits older than 20 s have left the window")
    }
}
