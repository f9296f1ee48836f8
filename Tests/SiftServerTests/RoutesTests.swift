import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftCore
import Testing

@testable import SiftServer

@Suite("HTTP routes, in process")
struct RoutesTests {
    func app(_ runner: any QueryRunning = ScriptedRunner.answering(), configuration: SiftServerConfiguration = .init())
        -> (some ApplicationProtocol, SiftMetrics)
    {
        let (routes, _, metrics) = makeRoutes(runner: runner, configuration: configuration)
        return (Application(router: routes.router(), services: [routes.queries], logger: testLogger()), metrics)
    }

    @Test func streamHasSSEHeadersAndTheRequestIdEverywhere() async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(uri: "/v1/answer/stream?q=hello", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                #expect(response.headers[.cacheControl] == "no-cache")
                #expect(response.headers[HTTPField.Name("X-Accel-Buffering")!] == "no")
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                let frames = parseSSE(String(buffer: response.body)).frames
                #expect(frames.first?.type == "status")
                #expect(frames.last?.type == "done")
                let query = try #require(frames.first { $0.type == "query" })
                #expect(query.data.contains(#""id":"\#(id)""#))
            }
        }
    }

    @Test(arguments: [
        ("", "empty_query"), ("%20%20", "empty_query"), (String(repeating: "x", count: 5000), "query_too_long"),
        ("%FF%FE", "invalid_encoding"),
    ])
    func invalidQueriesGetTypedJSON400s(query: String, code: String) async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(uri: "/v1/answer/stream?q=\(query)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains(#""code":"\#(code)""#))
                #expect(body.contains(#""retryable":false"#))
            }
        }
    }

    @Test func eventSourceClientsGetTheErrorAsEvents() async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/answer/stream?q=", method: .get, headers: [.accept: "text/event-stream"]
            ) { response in
                #expect(response.status == .ok)
                let frames = parseSSE(String(buffer: response.body)).frames
                #expect(frames.map(\.type) == ["error", "done"])
                #expect(frames[0].data.contains(#""code":"empty_query""#))
                #expect(frames[1].data.contains(#""outcome":"failed""#))
            }
        }
    }

    @Test func postAnswerReturnsOneJSONDocument() async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/answer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"q":"hello"}"#)
            ) { response in
                #expect(response.status == .ok)
                struct Document: Decodable {
                    var id: String
                    var outcome: String
                    var answer: String
                    var sources: [Source]
                    var passages: [Passage]
                }
                let document = try JSONDecoder().decode(Document.self, from: Data(response.body.readableBytesView))
                #expect(document.outcome == "complete")
                #expect(document.answer == "w0 w1 w2 ")
                #expect(document.sources.map(\.n) == [1])
                #expect(document.id == response.headers[HTTPField.Name("X-Request-Id")!])
            }
        }
    }

    @Test(arguments: [
        (#"{not json"#, "bad_request"), (#"{"question":"x"}"#, "bad_request"), (#"{"q":""}"#, "empty_query"),
        // Each item of a JSON list of models is one name (schemathesis found `[""]` accepted, and `["a,b"]` was two).
        (#"{"q":"x","models":[""]}"#, "bad_request"), (#"{"q":"x","models":["a,b"]}"#, "bad_request"),
        (#"{"q":"x","models":["a","  "]}"#, "bad_request"),
    ])
    func postAnswerRejectsBadBodies(body: String, code: String) async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/answer", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(#""code":"\#(code)""#))
            }
        }
    }

    @Test func aListOfModelsStillAnswers() async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(
                uri: "/v1/answer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"q":"hello","models":[" a ","b"],"merge":false}"#)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func metricsAreValidExpositionWithTheExpectedFamilies() async throws {
        // A finished stream closes its connection, so the scrape comes from a second server on the same routes.
        let (routes, _, _) = makeRoutes(runner: ScriptedRunner.answering())
        try await Application(router: routes.router(), services: [routes.queries], logger: testLogger()).test(.live) { client in
            try await client.execute(uri: "/v1/answer/stream?q=hello", method: .get) { _ in }
        }
        // The scrape runs no query: the query service (whose run ended with the first server) is not needed.
        try await Application(router: routes.router(), logger: testLogger()).test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                for family in [
                    "# TYPE sift_stream_events_total counter", "# TYPE sift_streams_active gauge",
                    "# TYPE sift_build_info gauge", "# TYPE process_resident_memory_bytes gauge",
                    "# TYPE process_cpu_seconds_total counter", "# TYPE process_open_fds gauge",
                    "# TYPE process_start_time_seconds gauge", "# TYPE sift_http_requests_total counter",
                ] {
                    #expect(text.contains(family), "\(family)")
                }
                #expect(text.contains(#"sift_stream_events_total{type="delta"} 3"#))
                #expect(text.contains(#"sift_build_info{version="test"} 1"#))
                #expect(text.contains(#"sift_http_requests_total{route="/v1/answer/stream",status="200"} 1"#))
            }
        }
    }

    @Test func healthReadinessAndTheBrowserPage() async throws {
        let (app, _) = app()
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""ready":true"#))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
                #expect(String(buffer: response.body).contains("<form"))
            }
        }
    }

    @Test func thePageIsRevalidatedAndItsVersionedAssetsAreImmutable() async throws {
        let (app, _) = app()
        let prefix = "/assets/\(BrowserAssets.version)/"
        try await app.test(.live) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(!html.contains("%ASSETS%"))
            #expect(html.contains(#"<script type="module" src="\#(prefix)app.js"></script>"#))
            // Every module and the style sheet is served under this build's prefix, and the page names each.
            let names = BrowserAssets.served.keys.sorted()
            #expect(names.contains("app.js") && names.contains("stream.js") && names.contains("app.css"))
            for name in names {
                #expect(html.contains(prefix + name), "the page does not name \(name)")
                let response = try await client.execute(uri: prefix + name, method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                let type = name.hasSuffix(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8"
                #expect(response.headers[.contentType] == type)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
                if name.hasSuffix(".js") {
                    // Streamed text goes in as text: no script may parse HTML.
                    let script = String(buffer: response.body)
                    for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                        #expect(!script.contains(sink), "\(name) uses \(sink)")
                    }
                }
            }
            // Another build's URL, an unknown file and the page itself are not assets.
            for uri in ["/assets/0000000000000000/app.js", prefix + "nope.js", prefix + "index.html"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(String(buffer: response.body).contains(#""code":"not_found""#))
            }
        }
    }

    @Test func theAssetVersionChangesWithAnyFilesNameOrText() {
        let js = "text/javascript; charset=utf-8"
        let files = [BrowserAsset(name: "a.js", contentType: js, text: "x"), BrowserAsset(name: "b.js", contentType: js, text: "y")]
        let version = BrowserAssets.version(of: files)
        #expect(version.count == 16 && version.allSatisfy(\.isHexDigit))
        #expect(BrowserAssets.version(of: files) == version)
        #expect(BrowserAssets.version(of: [files[0], BrowserAsset(name: "b.js", contentType: js, text: "z")]) != version)
        #expect(BrowserAssets.version(of: [files[0], BrowserAsset(name: "c.js", contentType: js, text: "y")]) != version)
        // The boundary between name and text counts: "a.js"+"x" is not "a.j"+"sx".
        #expect(BrowserAssets.version(of: [BrowserAsset(name: "a.j", contentType: js, text: "sx"), files[1]]) != version)
        #expect(BrowserAssets.version == BrowserAssets.version(of: BrowserAssets.files))
        #expect(Set(BrowserAssets.files.map(\.name)).count == BrowserAssets.files.count)
    }

    @Test func overCapacityGets503WithRetryAfter() async throws {
        let (routes, registry, _) = makeRoutes(runner: ScriptedRunner.answering(), configuration: .init(maxStreams: 1))
        try registry.register(QueryID()) { _ in }
        let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
        try await app.test(.live) { client in
            try await client.execute(uri: "/v1/answer/stream?q=hello", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                #expect(String(buffer: response.body).contains(#""code":"overloaded""#))
            }
        }
    }
}
