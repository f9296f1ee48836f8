import CompressNIO
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A web server with every kind of page, and every misbehaviour, a page fetcher meets:
/// serve its router with `withReplayServer`. Deterministic: the same request always gets
/// the same bytes (except where a route counts requests, through `PageServer.Counters`).
///
/// | route | what it does |
/// |---|---|
/// | `/article` | an HTML article wrapped in nav, header, footer, script and cookie-banner boilerplate |
/// | `/slow?ms=N` | waits N ms before sending the head |
/// | `/drip?bytes=N&ms=M` | sends the head, then N bytes one at a time, M ms apart |
/// | `/huge?mb=N` | N MiB (default 8) of `PageServer.hugeByte(at:)`, streamed with a Content-Length |
/// | `/endless?ms=M` | 16 KiB chunks every M ms (default 2) until the client goes |
/// | `/truncated` | announces 1000 bytes, sends 500, closes the connection |
/// | `/redirect-loop` | a 302 to itself |
/// | `/redirect?to=URL` | a 302 to URL |
/// | `/latin1` | ISO-8859-1 HTML with the charset in Content-Type |
/// | `/meta-charset` | windows-1252 HTML declared only in `<meta charset>` |
/// | `/plain` | text/plain |
/// | `/binary` | 4096 pseudo-random application/octet-stream bytes |
/// | `/pdf` | a small application/pdf document |
/// | `/status/{code}` | that status with a short text body |
/// | `/flaky?fail=N&key=K` | 503 for the first N requests with key K, then 200 (GET and POST) |
/// | `/gzip` | text, gzip-encoded when the client accepts gzip |
/// | `/concurrency?ms=N` | holds each request N ms (default 100), counting how many overlap |
/// | `/echo` | the method, headers and body it received, as text (GET and POST) |
/// | `/{host}/{path}` | the corpus document with that URL, as an article page among boilerplate (see ``ReplayDocument/url(servedFrom:)``): its snippet, extra snippets and `body` |
public enum PageServer {
    /// A router serving the pages, reporting to `counters`; corpus documents come from `corpus`.
    public static func router(counters: Counters = Counters(), corpus: ReplayCorpus = .standard) -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router, counters: counters, corpus: corpus)
        return router
    }

    /// Adds the pages to `router` (after its middleware), reporting to `counters`.
    public static func addRoutes<Context: RequestContext>(
        to router: Router<Context>, counters: Counters = Counters(), corpus: ReplayCorpus = .standard
    ) {
        let documents = corpusPages(corpus)
        router.get("**") { _, context -> Response in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            guard let document = documents[path] ?? documents[path + "/"] else {
                return text("No page at /\(path)\n", status: .notFound)
            }
            return html(page(for: document))
        }
        router.get("article") { _, _ in
            html(articleHTML)
        }
        router.get("slow") { request, _ -> Response in
            let ms = request.uri.queryParameters.get("ms", as: Int.self) ?? 1000
            try await Task.sleep(for: .milliseconds(ms))
            return text("slept \(ms) ms\n")
        }
        router.get("drip") { request, _ -> Response in
            let count = request.uri.queryParameters.get("bytes", as: Int.self) ?? 10
            let ms = request.uri.queryParameters.get("ms", as: Int.self) ?? 100
            let body = ResponseBody(contentLength: count) { writer in
                for _ in 0..<count {
                    try await Task.sleep(for: .milliseconds(ms))
                    try await writer.write(ByteBuffer(string: "x"))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
        }
        router.get("huge") { request, _ -> Response in
            let size = (request.uri.queryParameters.get("mb", as: Int.self) ?? 8) * 1_048_576
            let body = ResponseBody(contentLength: size) { writer in
                var offset = 0
                while offset < size {
                    let count = min(hugeChunkSize, size - offset)
                    try await writer.write(hugeChunk(at: offset, count: count))
                    offset += count
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
        router.get("endless") { request, _ -> Response in
            let ms = request.uri.queryParameters.get("ms", as: Int.self) ?? 2
            counters.endlessStarted()
            let body = ResponseBody { writer in
                defer { counters.endlessEnded() }
                let chunk = ByteBuffer(repeating: UInt8(ascii: "e"), count: 16 * 1024)
                while true {
                    try await writer.write(chunk)
                    try await Task.sleep(for: .milliseconds(ms))
                }
            }
            return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
        }
        router.get("truncated") { _, _ -> Response in
            let body = ResponseBody(contentLength: 1000) { writer in
                try await writer.write(ByteBuffer(repeating: UInt8(ascii: "t"), count: 500))
                // Throwing from the body closes the connection 500 bytes short.
                throw TruncatedOnPurpose()
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: body)
        }
        router.get("redirect-loop") { _, _ in
            redirect(to: "/redirect-loop")
        }
        router.get("redirect") { request, _ -> Response in
            guard let target = request.uri.queryParameters.get("to") else {
                return text("missing ?to=\n", status: .badRequest)
            }
            return redirect(to: target)
        }
        router.get("latin1") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=ISO-8859-1"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: latin1HTML)))
        }
        router.get("meta-charset") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: windows1252HTML)))
        }
        router.get("plain") { _, _ in
            text(plainText)
        }
        router.head("plain") { _, _ in
            text(plainText)
        }
        router.get("binary") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: binaryBytes)))
        }
        router.get("pdf") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/pdf"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: pdfDocument)))
        }
        router.get("status/{code}") { _, context -> Response in
            let code = context.parameters.get("code", as: Int.self) ?? 500
            return text("status \(code)\n", status: HTTPResponse.Status(code: code))
        }
        for method in [HTTPRequest.Method.get, .post] {
            router.on("flaky", method: method) { request, _ -> Response in
                let failures = request.uri.queryParameters.get("fail", as: Int.self) ?? 1
                let key = request.uri.queryParameters.get("key") ?? ""
                let attempt = counters.flakyAttempt(key: key)
                if attempt <= failures {
                    return text("failure \(attempt) of \(failures)\n", status: .serviceUnavailable)
                }
                return text("ok after \(attempt) attempts\n")
            }
            router.on("echo", method: method) { request, _ -> Response in
                var lines = ["\(request.method.rawValue) \(request.uri.path)"]
                for field in request.headers {
                    lines.append("\(field.name.rawName): \(field.value)")
                }
                let body = try await request.body.collect(upTo: 1 << 20)
                return text(lines.joined(separator: "\n") + "\n\n" + String(buffer: body))
            }
        }
        router.get("gzip") { request, _ -> Response in
            let accepted = request.headers[values: .acceptEncoding].joined(separator: ",").lowercased()
            var body = ByteBuffer(string: gzipText)
            guard accepted.contains("gzip") else {
                return text(gzipText)
            }
            let compressed = try body.compress(with: .gzip())
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; charset=utf-8", .contentEncoding: "gzip", .vary: "Accept-Encoding"],
                body: ResponseBody(byteBuffer: compressed))
        }
        router.get("concurrency") { request, _ -> Response in
            let ms = request.uri.queryParameters.get("ms", as: Int.self) ?? 100
            counters.enter()
            defer { counters.leave() }
            try await Task.sleep(for: .milliseconds(ms))
            return text("max concurrency \(counters.maxConcurrent)\n")
        }
    }

    /// What the server has counted; safe to read from any task.
    public final class Counters: Sendable {
        private struct State {
            var flaky: [String: Int] = [:]
            var concurrent = 0
            var maxConcurrent = 0
            var endlessStarted = 0
            var endlessEnded = 0
        }

        private let state = Mutex(State())

        /// Empty counters.
        public init() {}

        /// Requests with `key` that `/flaky` has seen.
        public func flakyAttempts(key: String) -> Int { state.withLock { $0.flaky[key] ?? 0 } }
        /// The most `/concurrency` requests in progress at once.
        public var maxConcurrent: Int { state.withLock { $0.maxConcurrent } }
        /// `/concurrency` requests in progress now.
        public var concurrent: Int { state.withLock { $0.concurrent } }
        /// `/endless` responses started.
        public var endlessStartedCount: Int { state.withLock { $0.endlessStarted } }
        /// `/endless` responses that stopped because the client went away.
        public var endlessEndedCount: Int { state.withLock { $0.endlessEnded } }

        /// Waits until `condition` holds, checking every 5 ms for at most `timeout`;
        /// returns whether it held.
        public func wait(
            upTo timeout: Duration = .seconds(5), until condition: @Sendable (Counters) -> Bool
        ) async throws -> Bool {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while !condition(self) {
                guard ContinuousClock.now < deadline else { return false }
                try await Task.sleep(for: .milliseconds(5))
            }
            return true
        }

        fileprivate func flakyAttempt(key: String) -> Int {
            state.withLock { state in
                state.flaky[key, default: 0] += 1
                return state.flaky[key]!
            }
        }

        fileprivate func enter() {
            state.withLock { state in
                state.concurrent += 1
                state.maxConcurrent = max(state.maxConcurrent, state.concurrent)
            }
        }

        fileprivate func leave() {
            state.withLock { $0.concurrent -= 1 }
        }

        fileprivate func endlessStarted() {
            state.withLock { $0.endlessStarted += 1 }
        }

        fileprivate func endlessEnded() {
            state.withLock { $0.endlessEnded += 1 }
        }
    }

    /// The byte at `offset` of every `/huge` body: each 64 KiB block starts with its own
    /// offset as 8 big-endian bytes (so a lost, repeated or reordered block shows), and
    /// the rest is a 251-periodic ramp.
    public static func hugeByte(at offset: Int) -> UInt8 {
        let within = offset % hugeChunkSize
        if within < 8 {
            return UInt8(truncatingIfNeeded: UInt64(offset - within) >> (8 * (7 - within)))
        }
        return UInt8(offset % 251)
    }

    private static let hugeChunkSize = 64 * 1024

    /// 64 KiB plus one period of the ramp, so any block is one slice of it.
    private static let hugeRamp: [UInt8] = (0..<(hugeChunkSize + 251)).map { UInt8($0 % 251) }

    private static func hugeChunk(at offset: Int, count: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        let start = offset % 251
        var header = ByteBuffer()
        header.writeInteger(UInt64(offset), endianness: .big)
        buffer.reserveCapacity(count)
        buffer.writeImmutableBuffer(header.getSlice(at: 0, length: min(8, count))!)
        if count > 8 {
            buffer.writeBytes(hugeRamp[(start + 8)..<(start + count)])
        }
        return buffer
    }

    /// Corpus documents by `host/path`, the form ``ReplayDocument/url(servedFrom:)`` gives them.
    static func corpusPages(_ corpus: ReplayCorpus) -> [String: ReplayDocument] {
        var pages: [String: ReplayDocument] = [:]
        for entry in corpus.entries.values.map({ $0 }) + corpus.wordEntries.map(\.entry) where !entry.isHostile {
            for document in entry.documents + entry.news {
                let parts = document.urlParts
                guard !parts.host.isEmpty else { continue }
                var path = parts.path
                while path.hasPrefix("/") { path.removeFirst() }
                pages[parts.host + "/" + path] = document
            }
        }
        return pages
    }

    /// A corpus document as a page: its text inside `<article>`, between a cookie
    /// banner, navigation, related links and a footer that a reader must drop.
    static func page(for document: ReplayDocument) -> String {
        let paragraphs = ([document.snippet] + document.extraSnippets + document.body).map { "<p>\(escape($0))</p>" }
            .joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="\(escape(document.language))">
            <head><meta charset="utf-8"><title>\(escape(document.title)) - \(escape(document.siteName))</title>
            <script>var tracking = "not content";</script></head>
            <body>
            <div id="cookie-banner">This site uses cookies. <button>OK</button></div>
            <nav><a href="/">\(escape(document.siteName))</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav>
            <article>
            <h1>\(escape(document.title))</h1>
            \(paragraphs)
            </article>
            <aside class="related"><ul><li><a href="/more">More from \(escape(document.siteName))</a></li></ul></aside>
            <footer>&copy; \(escape(document.siteName))</footer>
            </body>
            </html>

            """
    }

    private static func escape(_ text: String) -> String {
        ReplayHTTP.escapeHTML(text)
    }

    /// The text of `/plain`.
    public static let plainText = "Plain text from the page server.\nSecond line.\n"

    /// The decoded text of `/gzip`.
    public static let gzipText = String(
        repeating: "Compressible text repeats itself, and gzip makes it small. ", count: 200)

    /// The body of `/binary`: 4096 bytes from a fixed-seed xorshift generator.
    public static let binaryBytes: [UInt8] = {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<4096).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 32)
        }
    }()

    /// The body of `/pdf`.
    public static let pdfDocument = """
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
        trailer << /Root 1 0 R >>
        %%EOF

        """

    /// The text of `/latin1` and `/meta-charset` once decoded with the right charset.
    public static let accentedText = "Café crème brûlée, naïve façade"

    /// The sentence inside `/article`'s `<article>` that boilerplate removal must keep.
    public static let articleSentence =
        "The Murray River is the longest river in Australia, flowing 2,508 kilometres from the Australian Alps to the sea."

    static let articleHTML = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>The Murray River - Example Encyclopedia</title>
        <style>body { font-family: sans-serif } .cookie { position: fixed }</style>
        <script>window.analytics = { track: function () { return "tracking code, not content" } };</script>
        </head>
        <body>
        <div class="cookie">We use cookies. <button>Accept all</button></div>
        <header><a href="/">Example Encyclopedia</a><form><input name="q" placeholder="Search"></form></header>
        <nav><ul><li><a href="/">Home</a></li><li><a href="/random">Random article</a></li><li><a href="/about">About</a></li></ul></nav>
        <main>
        <article>
        <h1>The Murray River</h1>
        <p>\(articleSentence)</p>
        <p>Together with the Darling River it forms the Murray&ndash;Darling basin, which drains about one seventh of the continent.</p>
        <h2>Course</h2>
        <p>The river rises in the Australian Alps and forms much of the border between New South Wales and Victoria before it turns south in South Australia.</p>
        </article>
        <aside><h3>Related</h3><ul><li><a href="/darling">Darling River</a></li></ul></aside>
        </main>
        <footer><p>&copy; Example Encyclopedia. Text available under CC BY-SA.</p><a href="/privacy">Privacy</a></footer>
        <script src="/app.js"></script>
        </body>
        </html>

        """

    static let latin1HTML: [UInt8] = latin1(
        "<!DOCTYPE html><html><head><title>Latin-1</title></head><body><p>\(accentedText)</p></body></html>\n")

    static let windows1252HTML: [UInt8] =
        latin1("<!DOCTYPE html><html><head><meta charset=\"windows-1252\"><title>cp1252</title></head><body><p>")
        + [0x93] + latin1(accentedText) + [0x94, 0x20, 0x80, 0x31, 0x30, 0x85]  // “…” €10…
        + latin1("</p></body></html>\n")

    private static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private static func html(_ body: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    private static func redirect(to location: String) -> Response {
        Response(
            status: .found, headers: [.location: location, .contentType: "text/html"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: "<a href=\"\(location)\">moved</a>\n")))
    }

    private struct TruncatedOnPurpose: Error {}
}
