import CompressNIO
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftReplay
import Testing

/// The page server through Hummingbird's in-process router tester (the HTTP client's
/// tests drive it over real loopback HTTP).
@Suite struct PageServerTests {
    @Test func servesTheArticleWithItsBoilerplate() async throws {
        let app = Application(router: PageServer.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/article", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                for part in ["<nav>", "<header>", "<footer>", "<script", "<article>", PageServer.articleSentence] {
                    #expect(html.contains(part), "\(part)")
                }
            }
        }
    }

    @Test func flakyFailsThePromisedNumberOfTimesPerKey() async throws {
        let counters = PageServer.Counters()
        let app = Application(router: PageServer.router(counters: counters))
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                statuses.append(try await client.execute(uri: "/flaky?fail=2&key=a", method: .get).status)
            }
            #expect(statuses == [.serviceUnavailable, .serviceUnavailable, .ok])
            #expect(try await client.execute(uri: "/flaky?fail=2&key=b", method: .post).status == .serviceUnavailable)
            #expect(counters.flakyAttempts(key: "a") == 3)
            #expect(counters.flakyAttempts(key: "b") == 1)
        }
    }

    @Test func gzipOnlyForClientsThatAcceptIt() async throws {
        let app = Application(router: PageServer.router())
        try await app.test(.router) { client in
            let identity = try await client.execute(uri: "/gzip", method: .get)
            #expect(identity.headers[.contentEncoding] == nil)
            #expect(String(buffer: identity.body) == PageServer.gzipText)

            let gzip = try await client.execute(uri: "/gzip", method: .get, headers: [.acceptEncoding: "deflate, gzip"])
            #expect(gzip.headers[.contentEncoding] == "gzip")
            var compressed = gzip.body
            #expect(compressed.readableBytes < PageServer.gzipText.utf8.count / 10)
            let decompressed = try compressed.decompress(with: .gzip())
            #expect(String(buffer: decompressed) == PageServer.gzipText)
        }
    }

    @Test func hugeBodiesDescribeTheirOwnOffsets() async throws {
        let app = Application(router: PageServer.router())
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/huge?mb=1", method: .get)
            #expect(response.headers[.contentLength] == "1048576")
            let bytes = Array(response.body.readableBytesView)
            #expect(bytes.count == 1 << 20)
            #expect(bytes.indices.allSatisfy { bytes[$0] == PageServer.hugeByte(at: $0) })
            #expect(PageServer.hugeByte(at: 65536 + 7) == 0, "offset 65536 big-endian ends in 0x00")
            #expect(PageServer.hugeByte(at: 65536 + 5) == 1)
        }
    }

    @Test func fixedPagesCarryTheirTypesAndBytes() async throws {
        let app = Application(router: PageServer.router())
        try await app.test(.router) { client in
            let latin1 = try await client.execute(uri: "/latin1", method: .get)
            #expect(latin1.headers[.contentType] == "text/html; charset=ISO-8859-1")
            #expect(Array(latin1.body.readableBytesView).contains(0xE9))

            let cp1252 = try await client.execute(uri: "/meta-charset", method: .get)
            #expect(cp1252.headers[.contentType] == "text/html")
            let bytes = Array(cp1252.body.readableBytesView)
            #expect(String(decoding: bytes, as: UTF8.self).contains("<meta charset=\"windows-1252\">"))
            #expect(bytes.contains(0x93) && bytes.contains(0x80))

            let pdf = try await client.execute(uri: "/pdf", method: .get)
            #expect(pdf.headers[.contentType] == "application/pdf")
            #expect(String(buffer: pdf.body).hasPrefix("%PDF-"))

            let binary = try await client.execute(uri: "/binary", method: .get)
            #expect(Array(binary.body.readableBytesView) == PageServer.binaryBytes)

            let teapot = try await client.execute(uri: "/status/418", method: .get)
            #expect(teapot.status.code == 418)

            let redirect = try await client.execute(uri: "/redirect?to=/plain", method: .get)
            #expect(redirect.status == .found)
            #expect(redirect.headers[.location] == "/plain")

            let loop = try await client.execute(uri: "/redirect-loop", method: .get)
            #expect(loop.headers[.location] == "/redirect-loop")
        }
    }
}
