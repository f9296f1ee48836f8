import HTTPTypes
import Hummingbird
import NIOCore

/// The browser client: a page, a style sheet and ES modules compiled into the binary, so
/// siftd serves them with no files to install and nothing loaded from the internet. Every
/// streamed string is inserted as text, never HTML; the Content-Security-Policy forbids
/// inline and foreign scripts as a second wall.
///
/// Caching: the page (`/`) is `no-cache`; the assets are at versioned URLs
/// (`/assets/<version>/<name>`, see ``BrowserAssets``) and `immutable` for a year. A URL
/// with another version (a page from an older build) is a 404.
enum BrowserClient {
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// `Cache-Control` of the versioned assets.
    static let immutable = "public, max-age=31536000, immutable"

    static let indexBody = ByteBuffer(string: BrowserAssets.indexHTML)

    static func indexResponse() -> Response {
        response(indexBody, type: "text/html; charset=utf-8", cache: "no-cache")
    }

    static func response(_ body: ByteBuffer, type: String, cache: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = cache
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// The asset `name` of build `version`, or a 404.
    static func assetResponse(version: String?, name: String?, context: SiftRequestContext) -> Response {
        guard version == BrowserAssets.version, let name, let served = BrowserAssets.served[name] else {
            let error = APIErrorBody.Inner(
                code: "not_found", message: "No such file in this build of the browser client; reload the page.",
                stage: "accepting", retryable: false)
            return Response.json(["error": error], status: .notFound, id: context.requestID)
        }
        return response(served.body, type: served.asset.contentType, cache: immutable)
    }

    /// Adds the page and asset routes to `router`.
    static func addRoutes(to router: Router<SiftRequestContext>) {
        router.get("/") { _, _ in indexResponse() }
        router.get("/assets/:version/:name") { _, context in
            assetResponse(
                version: context.parameters.get("version"), name: context.parameters.get("name"), context: context)
        }
    }
}
