import HTTPTypes
import Hummingbird
import NIOCore

/// The browser client: a page, a script and a style sheet compiled into the
/// binary, so siftd serves them with no files to install and nothing loaded
/// from the internet. Every streamed string is inserted as text, never HTML;
/// the Content-Security-Policy forbids inline and foreign scripts as a second wall.
enum BrowserClient {
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    static func indexResponse() -> Response {
        asset(BrowserAssets.indexHTML, type: "text/html; charset=utf-8", cache: "no-cache")
    }

    static func asset(_ text: String, type: String, cache: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = cache
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Adds the asset routes to `router`.
    static func addRoutes(to router: Router<SiftRequestContext>) {
        router.get("/") { _, _ in indexResponse() }
        router.get("/app.js") { _, _ in
            asset(BrowserAssets.appJS, type: "text/javascript; charset=utf-8", cache: "public, max-age=300")
        }
        router.get("/app.css") { _, _ in
            asset(BrowserAssets.appCSS, type: "text/css; charset=utf-8", cache: "public, max-age=300")
        }
    }
}
