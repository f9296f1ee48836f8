import HTTPTypes
import Hummingbird
import Logging
import SiftCore

/// Checks the API key of every request but the open ones (`SIFT_AUTH=required`): the health probes,
/// the browser page and its assets, and the API contract. The key comes as `Authorization: Bearer KEY`;
/// one in the query string is refused (`key_in_url`). No key or an unknown one: 401 `unauthorized` with
/// `WWW-Authenticate: Bearer`; a key without the route's scope: 403 `forbidden`; a key over its
/// requests a minute: 429 `rate_limited`. Once checked, the request's ``SiftRequestContext/client`` is
/// `key:NAME` and its ``SiftRequestContext/apiKey`` the key, which the query routes use for ownership,
/// concurrency and budgets.
struct KeyAuthMiddleware: RouterMiddleware {
    typealias Context = SiftRequestContext
    let gate: KeyGate

    /// Query parameters that look like a credential.
    static let credentialParameters: Set<String> = [
        "key", "api_key", "apikey", "api-key", "access_token", "token", "auth", "authorization", "bearer",
        "sift_key", "x-api-key",
    ]

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let scope = Self.scope(of: request.uri.path) else { return try await next(request, context) }
        let id = context.requestID
        if let parameter = Self.credentialParameter(in: request.uri.query) {
            gate.recordRejection("", reason: "key_in_url")
            return .error(.keyInURL(parameter), id: id)
        }
        guard let token = Self.bearerToken(request.headers[.authorization]) else {
            gate.recordRejection("", reason: "unauthorized")
            return .error(
                .unauthorized(
                    "This needs an API key: send the header Authorization: Bearer KEY. An operator issues keys with `siftd keys add NAME`."
                ), id: id)
        }
        guard let key = await gate.authenticate(token) else {
            gate.recordRejection("", reason: "unauthorized")
            return .error(.unauthorized("The API key is not valid: it is unknown or was revoked."), id: id)
        }
        gate.recordUse(key)
        guard key.allows(scope) else {
            gate.recordRejection(key.name, reason: "forbidden")
            return .error(.forbidden(key: key.name, scope: scope.rawValue), id: id)
        }
        do {
            try gate.takeRequest(key)
        } catch {
            return .error(error, id: id)
        }
        var context = context
        context.client = "key:" + key.name
        context.apiKey = key
        context.logger[metadataKey: "key"] = "\(key.name)"
        return try await next(request, context)
    }

    /// The scope a path needs; nil for the open ones. Decided on the path's decoded, non-empty
    /// segments, so `//metrics` or `/%6detrics` need what `/metrics` needs.
    static func scope(of path: String) -> APIScope? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { percentDecoded(String($0)) }
        guard let first = segments.first else { return nil }  // the browser page
        switch first {
        case "assets": return nil
        case "healthz", "readyz", "openapi.json", "favicon.ico": return segments.count == 1 ? nil : .query
        case "metrics": return .metrics
        case "debug": return .admin
        default: return .query
        }
    }

    /// The first query parameter named like a credential, as sent.
    static func credentialParameter(in query: String?) -> String? {
        guard let query, !query.isEmpty else { return nil }
        for pair in query.split(separator: "&") {
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            if credentialParameters.contains(percentDecoded(name.replacingPlus()).lowercased()) { return name }
        }
        return nil
    }

    /// The token of `Bearer TOKEN` (the scheme in any case, spaces around trimmed).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingCharacters(in: " \t")
        guard trimmed.utf8.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = String(trimmed.dropFirst(7)).trimmingCharacters(in: " \t")
        return token.isEmpty ? nil : token
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 0x30...0x39: byte - 0x30
            case 0x41...0x46: byte - 0x41 + 10
            case 0x61...0x66: byte - 0x61 + 10
            default: nil
            }
        }
        while let byte = bytes.next() {
            if byte == UInt8(ascii: "%"), let high = bytes.next() {
                if let low = bytes.next(), let h = hex(high), let l = hex(low) {
                    out.append(h << 4 | l)
                } else {
                    out.append(byte)
                    out.append(high)
                }
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingPlus() -> String { String(map { $0 == "+" ? " " : $0 }) }
}
