import Testing

@testable import SiftHTTPClient

@Suite struct HTTPHeadersTests {
    @Test func looksUpNamesCaseInsensitivelyInOrder() {
        var headers: HTTPHeaders = ["Set-Cookie": "a=1", "Content-Type": "text/html"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers["content-type"] == "text/html")
        #expect(headers["SET-COOKIE"] == "a=1")
        #expect(headers.values(for: "Set-Cookie") == ["a=1", "b=2"])
        #expect(headers["missing"] == nil)
        #expect(headers.map(\.name) == ["Set-Cookie", "Content-Type", "set-cookie"])
        #expect(headers.count == 3)
    }

    @Test func replacesAndRemoves() {
        var headers: HTTPHeaders = ["Accept": "a", "accept": "b", "X": "1"]
        headers.replaceOrAdd(name: "ACCEPT", value: "c")
        #expect(headers.values(for: "accept") == ["c"])
        headers.remove(name: "x")
        #expect(!headers.contains("X"))
        #expect(headers == HTTPHeaders([("ACCEPT", "c")]))
    }

    @Test func namesCompareAsASCIIOnly() {
        #expect(HTTPHeaders.sameName("Content-Length", "content-length"))
        #expect(!HTTPHeaders.sameName("Content-Length", "Content-Lengths"))
        #expect(!HTTPHeaders.sameName("a", "\u{00C1}"))
    }
}
