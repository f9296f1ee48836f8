import HTTPTypes
import Hummingbird
import SiftCore

/// The `Host` allow-list (`SIFT_ALLOWED_HOSTS`): a page on another name that resolves to siftd's
/// address (DNS rebinding) sends its own name as `Host`, and is refused.
enum HostPolicy {
    /// The names allowed by default: the loopback names, and the listen host unless it is a wildcard.
    static func defaultNames(listenHost: String) -> [String] {
        var names = ["localhost", "127.0.0.1", "[::1]"]
        let host = listenHost.lowercased()
        if !["", "0.0.0.0", "::", "[::]", "*"].contains(host) {
            let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            if !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// The host of a `Host` value (`name[:port]`, `[v6][:port]`), lowercase, without a trailing dot.
    static func hostName(_ authority: Substring) -> Substring {
        var host = authority
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") { host = host[...close] }
        } else if let colon = host.lastIndex(of: ":"),
            host[host.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            host = host[..<colon]
        }
        while host.hasSuffix(".") { host = host.dropLast() }
        return host
    }

    /// Whether `authority` (the request's `Host`) is allowed by `names` (nil: any).
    static func allows(_ authority: String?, names: [String]?) -> Bool {
        guard let names else { return true }
        // Without a Host (HTTP/1.0) no browser is involved: rebinding needs one.
        guard let authority, !authority.isEmpty else { return true }
        let host = hostName(Substring(authority)).lowercased()
        return names.contains(host)
    }
}

/// The browser-origin check of requests that change state or start queries: a page elsewhere must not
/// make a visitor's browser ask siftd (cross-site form POSTs, `fetch` with `text/plain`, EventSource).
enum OriginPolicy {
    /// `scheme://host[:port]` lowercased, with the default port dropped; nil when `origin` is not one.
    static func normalize(origin: String) -> String? {
        let lower = origin.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") {
            scheme = "http"
        } else if lower.hasPrefix("https://") {
            scheme = "https"
        } else {
            return nil
        }
        var authority = lower.dropFirst(scheme.count + 3)
        while authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@"), !authority.contains(" ") else { return nil }
        let defaultPort = scheme == "http" ? ":80" : ":443"
        if authority.hasSuffix(defaultPort) { authority = authority.dropLast(defaultPort.count) }
        return "\(scheme)://\(authority)"
    }

    /// Whether a request with these headers comes from siftd's own pages, an allowed origin, or no browser page.
    /// `Origin` (sent by browsers with every POST and every cross-origin request) must name the request's
    /// own `Host` or an allowed origin; `null` (sandboxed and file pages) never does. Without `Origin`,
    /// `Sec-Fetch-Site` must not say the request came from another site.
    static func allows(origin: String?, fetchSite: String?, host: String?, allowed: [String]) -> Bool {
        guard let origin else {
            guard let site = fetchSite?.lowercased() else { return true }
            return site == "same-origin" || site == "none"
        }
        guard let normalized = normalize(origin: origin) else { return false }
        if allowed.contains(normalized) { return true }
        guard let host, !host.isEmpty else { return false }
        let originAuthority = normalized.drop(while: { $0 != "/" }).dropFirst(2)
        // The request's Host without a default port, as origins have it. Behind a TLS proxy the scheme
        // differs (an https origin, http to siftd), so only the authorities are compared.
        var hostAuthority = Substring(host.lowercased())
        for port in [":80", ":443"] where hostAuthority.hasSuffix(port) { hostAuthority = hostAuthority.dropLast(port.count) }
        if originAuthority == hostAuthority { return true }
        // A proxy that passes the host name without its port (nginx's `Host $host`): the names must match.
        // A Host with a port (a browser talking to siftd directly) must match the origin's port too.
        let hostHasPort = HostPolicy.hostName(hostAuthority) != hostAuthority
        return !hostHasPort && HostPolicy.hostName(originAuthority) == hostAuthority
    }
}

/// The checks every request passes before routing (``RequestMiddleware``): Host, Origin, content type,
/// declared body size. Each refusal is a typed JSON error.
struct RequestGuard: Sendable {
    struct Refusal: Error, Equatable {
        var status: HTTPResponse.Status
        var code: String
        var message: String
        var reason: SiftMetrics.Rejection
    }

    var allowedHosts: [String]?
    var allowedOrigins: [String]
    var maxBodyBytes: Int

    /// Routes whose POST body is JSON only: a form or text body is refused (415), as a cross-site form would send.
    /// (`/mcp` checks its content type and origin itself, and answers in JSON-RPC.)
    static let jsonRoutes: Set<String> = ["/v1/answer", "/v1/chat/completions"]
    /// Routes that check the origin themselves.
    static let ownOriginCheck: Set<String> = ["/mcp"]
    /// GET routes that start a query: refused from a foreign origin like the POSTs.
    static let startingGETs: Set<String> = ["/v1/answer/stream"]
    /// Routes a health probe reads by address (kubelet, load balancers): no Host check.
    static let probes: Set<String> = ["/healthz", "/readyz"]

    init(configuration: SiftServerConfiguration) {
        self.allowedHosts = configuration.allowedHosts
        self.allowedOrigins = configuration.allowedOrigins
        self.maxBodyBytes = configuration.maxBodyBytes
    }

    func check(_ request: Request) throws(Refusal) {
        // As the router reads it: empty segments (`//`, a trailing `/`) name the same route.
        let path = "/" + request.uri.path.split(separator: "/").joined(separator: "/")
        let host = request.head.authority
        if !Self.probes.contains(path), !HostPolicy.allows(host, names: allowedHosts) {
            throw Refusal(
                status: .init(code: 421), code: "host_not_allowed",
                message: "This siftd does not answer to the host “\(String(HostPolicy.hostName(Substring(host ?? "")).prefix(100)))”: add it to SIFT_ALLOWED_HOSTS.",
                reason: .hostNotAllowed)
        }
        let method = request.method
        let changes = method == .post || method == .put || method == .patch || method == .delete
        if (changes && !Self.ownOriginCheck.contains(path)) || (method == .get && Self.startingGETs.contains(path)) {
            let origin = request.headers[.origin]
            if !OriginPolicy.allows(
                origin: origin, fetchSite: request.headers[.secFetchSite], host: host, allowed: allowedOrigins)
            {
                throw Refusal(
                    status: .forbidden, code: "origin_not_allowed",
                    message: "Requests from the page at “\(String((origin ?? "another site").prefix(100)))” are refused: add its origin to SIFT_ALLOWED_ORIGINS to allow it.",
                    reason: .originNotAllowed)
            }
        }
        if method == .post, Self.jsonRoutes.contains(path), let type = request.headers[.contentType] {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: " \t").lowercased() } ?? ""
            if media != "application/json" && !media.hasSuffix("+json") {
                throw Refusal(
                    status: .unsupportedMediaType, code: "unsupported_media_type",
                    message: "\(path) reads JSON: send Content-Type: application/json, not “\(String(media.prefix(60)))”.",
                    reason: .unsupportedMediaType)
            }
        }
        // The chat and MCP routes read up to 1 MiB (a chat UI sends the whole conversation each time).
        let limit = path == "/v1/chat/completions" || path == "/mcp" ? max(maxBodyBytes, 1 << 20) : maxBodyBytes
        if let length = request.headers[.contentLength], let bytes = Int(length), bytes > limit {
            throw Refusal(
                status: .contentTooLarge, code: "body_too_large",
                message: "The request body is larger than \(limit) bytes.", reason: .bodyTooLarge)
        }
    }
}

extension HTTPField.Name {
    /// `Sec-Fetch-Site`: where a browser request came from (same-origin, same-site, cross-site, none).
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
