/// URL keys for merging the results of several search engines, and small URL facts (host,
/// site, http or not), without Foundation.
///
/// ``fusionKey(_:)`` maps the spellings of one page that engines return to one key:
///
/// - scheme and host are lowercased; `http` and `https` give the same key, which has no
///   scheme (`example.com/a?b=1`); other schemes keep theirs (`ftp://host/file`);
/// - a leading `www.` is dropped (when a dot remains), and so are a trailing dot, user
///   information, and the default port (80 for `http`, 443 for `https`);
/// - the fragment is dropped, `\` in the path is read as `/`, `.` and `..` path segments
///   are resolved, and trailing slashes are dropped: the root `/` and the empty path both
///   give the bare host;
/// - tracking parameters (``trackingParameters``, and any starting `utm_`) and empty
///   parameters are dropped and the rest sorted by name (a stable sort, so repeated
///   names keep their order);
/// - percent-encoding is made uniform: hex digits uppercase; escapes of characters that
///   need none decoded (in the path everything but `/`, `?`, `#` and `%`; in the query
///   everything but `&`, `=`, `+`, `;`, `#` and `%`), so `Python_%28language%29` and
///   `Python_(language)` meet; and spaces, controls, non-ASCII, ``"<>\^`{|}`` and a `%`
///   that starts no escape encoded, so `Café` and `Caf%C3%A9` meet.
///
/// Dropping `www.` merges the rare sites that serve different pages on both names; the
/// path stays case-sensitive, and `index.html` is not dropped. Nothing here fails: input
/// that is not a URL (no scheme, or `http` without a host) comes back trimmed.
public enum URLNormalizer {
    /// Query parameters that only track a click, dropped from keys (compared
    /// case-insensitively, after percent-decoding); names starting `utm_` are dropped too.
    public static let trackingParameters: Set<String> = [
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "ref", "ref_src", "ref_url", "_hsenc", "_hsmi", "yclid", "spm", "_ga", "_gl", "mkt_tok", "srsltid",
        "twclid", "ttclid", "li_fat_id", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid",
    ]

    /// The key under which results for `url` from different engines are merged.
    public static func fusionKey(_ url: String) -> String {
        let trimmed = trimmedBytes(url)
        guard let parts = URLParts(trimmed) else { return String(decoding: trimmed, as: UTF8.self) }
        guard parts.hasAuthority else {
            // `mailto:`, `urn:`, `data:`: the scheme lowercased, the rest as given, no fragment.
            return parts.scheme + ":" + String(decoding: trimmed[parts.pathStart..<parts.queryEnd], as: UTF8.self)
        }
        var key: [UInt8] = []
        key.reserveCapacity(trimmed.count)
        if !parts.isHTTP {
            key.append(contentsOf: parts.scheme.utf8)
            key.append(contentsOf: "://".utf8)
        }
        key.append(contentsOf: parts.isHTTP ? withoutWWW(parts.host) : parts.host)
        if let port = parts.port, port != parts.defaultPort {
            key.append(UInt8(ascii: ":"))
            key.append(contentsOf: port.utf8)
        }
        var rawPath = trimmed[parts.pathStart..<parts.pathEnd]
        if parts.isHTTP {
            // Browsers read `\` as `/` in http(s) paths.
            for i in rawPath.indices where rawPath[i] == UInt8(ascii: "\\") { rawPath[i] = UInt8(ascii: "/") }
        }
        var path = removingDotSegments(normalizedEscapes(rawPath, keep: pathKept))
        while path.last == UInt8(ascii: "/") { path.removeLast() }
        key.append(contentsOf: path)
        if parts.pathEnd < parts.queryEnd {
            let query = normalizedQuery(trimmed[(parts.pathEnd + 1)..<parts.queryEnd])
            if !query.isEmpty {
                key.append(UInt8(ascii: "?"))
                key.append(contentsOf: query)
            }
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// The host of `url`, lowercased, without port, user information or trailing dot
    /// (`www.` kept): for per-host logic. `nil` when `url` has no host.
    public static func host(of url: String) -> String? {
        guard let parts = URLParts(trimmedBytes(url)), parts.hasAuthority, !parts.host.isEmpty else { return nil }
        return String(decoding: parts.host, as: UTF8.self)
    }

    /// The host of `url` as a site to show a person: ``host(of:)`` without a leading `www.`.
    public static func site(of url: String) -> String? {
        guard let parts = URLParts(trimmedBytes(url)), parts.hasAuthority, !parts.host.isEmpty else { return nil }
        return String(decoding: withoutWWW(parts.host), as: UTF8.self)
    }

    /// Whether `url` is an `http` or `https` URL with a host (any case, surrounding white space allowed).
    public static func isHTTP(_ url: String) -> Bool {
        guard let parts = URLParts(trimmedBytes(url)) else { return false }
        return parts.isHTTP && !parts.host.isEmpty
    }
}

// MARK: - Parsing

/// The parts of an absolute URL, as offsets into its bytes; the host is lowercased.
private struct URLParts {
    var scheme: String
    var hasAuthority = false
    var host: [UInt8] = []
    var port: String?
    /// The path runs from `pathStart` to `pathEnd`, the query (after its `?`) to `queryEnd`.
    var pathStart: Int
    var pathEnd: Int
    var queryEnd: Int

    var isHTTP: Bool { scheme == "http" || scheme == "https" }
    var defaultPort: String? {
        switch scheme {
        case "http": "80"
        case "https": "443"
        default: nil
        }
    }

    /// Parses `bytes`; `nil` when they do not start with a scheme, or are an `http(s)` URL without a host.
    init?(_ bytes: [UInt8]) {
        let count = bytes.count
        var i = 0
        guard count > 0, isASCIILetter(bytes[0]) else { return nil }
        while i < count, isSchemeByte(bytes[i]) { i += 1 }
        guard i < count, bytes[i] == UInt8(ascii: ":") else { return nil }
        scheme = String(decoding: bytes[0..<i].map(asciiLowercase), as: UTF8.self)
        i += 1
        let special = scheme == "http" || scheme == "https"
        var slashes = 0
        while i + slashes < count, bytes[i + slashes] == UInt8(ascii: "/") || bytes[i + slashes] == UInt8(ascii: "\\") {
            slashes += 1
        }
        if special || slashes >= 2 {
            // `http:example.com` and `http:///example.com` are read as browsers read them;
            // `file:///etc/hosts` has an empty host.
            hasAuthority = true
            i += special ? slashes : 2
            let authorityStart = i
            while i < count, !isAuthorityEnd(bytes[i]) { i += 1 }
            var hostStart = authorityStart
            if let at = bytes[authorityStart..<i].lastIndex(of: UInt8(ascii: "@")) { hostStart = at + 1 }
            // Colons and dots that end the authority name no port (`a.com:035:`, `a.com:03.`, found by fuzz/):
            // the port is before them, and the key read again must find the same one.
            var authorityEnd = i
            while authorityEnd > hostStart, bytes[authorityEnd - 1] == UInt8(ascii: ":") || bytes[authorityEnd - 1] == UInt8(ascii: ".") {
                authorityEnd -= 1
            }
            var hostEnd = authorityEnd
            if hostStart < authorityEnd, bytes[hostStart] == UInt8(ascii: "[") {
                // An IPv6 literal: the port follows the `]`.
                if let close = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: "]")) {
                    hostEnd = close + 1
                }
            } else if let colon = bytes[hostStart..<authorityEnd].lastIndex(of: UInt8(ascii: ":")) {
                hostEnd = colon
            }
            if hostEnd < authorityEnd, bytes[hostEnd] == UInt8(ascii: ":") {
                let digits = bytes[(hostEnd + 1)..<authorityEnd]
                if digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    if !digits.isEmpty {
                        // Leading zeros dropped; absurd lengths kept as written.
                        let trimmed = digits.drop { $0 == 0x30 }
                        port = digits.count > 10 ? String(decoding: digits, as: UTF8.self)
                            : (trimmed.isEmpty ? "0" : String(decoding: trimmed, as: UTF8.self))
                    }
                } else {
                    hostEnd = authorityEnd
                }
            }
            host = bytes[hostStart..<hostEnd].map(asciiLowercase)
            // A trailing dot goes, and so does a colon left by a port after two (`a.com::443`,
            // found by fuzz/): the key read again would otherwise lose it and differ.
            while let last = host.last, last == UInt8(ascii: ".") || last == UInt8(ascii: ":") { host.removeLast() }
            if special && host.isEmpty { return nil }
        }
        pathStart = i
        while i < count, bytes[i] != UInt8(ascii: "?"), bytes[i] != UInt8(ascii: "#") { i += 1 }
        pathEnd = i
        while i < count, bytes[i] != UInt8(ascii: "#") { i += 1 }
        queryEnd = i
    }
}

/// `url`'s bytes without leading and trailing spaces and controls, and without the tabs
/// and newlines inside it (as the WHATWG URL parser does).
private func trimmedBytes(_ url: String) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(url.utf8.count)
    for byte in url.utf8 where byte != 0x09 && byte != 0x0A && byte != 0x0D {
        if bytes.isEmpty && byte <= 0x20 { continue }
        bytes.append(byte)
    }
    while let last = bytes.last, last <= 0x20 { bytes.removeLast() }
    return bytes
}

private func isSchemeByte(_ b: UInt8) -> Bool {
    isASCIILetter(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
        || b == UInt8(ascii: ".")
}

private func isAuthorityEnd(_ b: UInt8) -> Bool {
    b == UInt8(ascii: "/") || b == UInt8(ascii: "\\") || b == UInt8(ascii: "?") || b == UInt8(ascii: "#")
}

private func withoutWWW(_ host: [UInt8]) -> [UInt8] {
    guard host.count > 4, host.starts(with: "www.".utf8), host[4...].contains(UInt8(ascii: ".")) else { return host }
    return Array(host[4...])
}

// MARK: - Path and query

/// Characters whose escapes stay escaped in a path, beside those that must be.
private let pathKept: Set<UInt8> = [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%")]
/// Characters whose escapes stay escaped in a query, beside those that must be.
private let queryKept: Set<UInt8> = [
    UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: ";"), UInt8(ascii: "#"), UInt8(ascii: "%"),
]

/// Whether `b` is never left bare in a normalized URL.
private func mustEscape(_ b: UInt8) -> Bool {
    switch b {
    case 0...0x20, 0x7F...0xFF: true
    case UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "^"),
        UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"):
        true
    default: false
    }
}

private func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: b - 0x30
    case 0x41...0x46: b - 0x41 + 10
    case 0x61...0x66: b - 0x61 + 10
    default: nil
    }
}

private let hexDigits = Array("0123456789ABCDEF".utf8)

/// `component` with escapes decoded unless the character must stay escaped (`keep`, or
/// ``mustEscape(_:)``), hex digits uppercased, and bare characters that must be escaped escaped.
private func normalizedEscapes(_ component: ArraySlice<UInt8>, keep: Set<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(component.count)
    var i = component.startIndex
    let end = component.endIndex
    func escape(_ b: UInt8) {
        out.append(UInt8(ascii: "%"))
        out.append(hexDigits[Int(b >> 4)])
        out.append(hexDigits[Int(b & 0x0F)])
    }
    while i < end {
        let b = component[i]
        if b == UInt8(ascii: "%"), i + 2 < end, let high = hexValue(component[i + 1]),
            let low = hexValue(component[i + 2])
        {
            let decoded = high << 4 | low
            if mustEscape(decoded) || keep.contains(decoded) { escape(decoded) } else { out.append(decoded) }
            i += 3
            continue
        }
        // A `%` that starts no escape is escaped itself (`%25`): left bare, it could form an escape with
        // what a decoded escape after it becomes (`%%2%39` → `%%29`), and the key would change when read again.
        if b == UInt8(ascii: "%") || mustEscape(b) { escape(b) } else { out.append(b) }
        i += 1
    }
    return out
}

/// `path` with `.` and `..` segments resolved (RFC 3986 section 5.2.4).
private func removingDotSegments(_ path: [UInt8]) -> [UInt8] {
    guard path.contains(UInt8(ascii: ".")) else { return path }
    let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    var output: [ArraySlice<UInt8>] = []
    for (index, segment) in segments.enumerated() {
        let isLast = index == segments.count - 1
        if segment.elementsEqual(".".utf8) {
            if isLast { output.append([]) }
        } else if segment.elementsEqual("..".utf8) {
            if output.count > 1 { output.removeLast() }
            if isLast { output.append([]) }
        } else {
            output.append(segment)
        }
    }
    return Array(output.joined(separator: [UInt8(ascii: "/")]))
}

/// The query `query` (without `?`) without tracking and empty parameters, sorted by name.
private func normalizedQuery(_ query: ArraySlice<UInt8>) -> [UInt8] {
    var parameters: [(name: [UInt8], text: [UInt8], index: Int)] = []
    for (index, parameter) in query.split(separator: UInt8(ascii: "&")).enumerated() {
        let text = normalizedEscapes(parameter, keep: queryKept)
        let nameEnd = text.firstIndex(of: UInt8(ascii: "=")) ?? text.count
        let name = Array(text[..<nameEnd])
        if name.isEmpty && nameEnd == text.count { continue }
        if isTracking(name) { continue }
        parameters.append((name, text, index))
    }
    parameters.sort { a, b in
        a.name.lexicographicallyPrecedes(b.name) || (a.name == b.name && a.index < b.index)
    }
    return Array(parameters.map(\.text).joined(separator: [UInt8(ascii: "&")]))
}

/// Whether the parameter named `name` (escapes normalized) only tracks.
private func isTracking(_ name: [UInt8]) -> Bool {
    var decoded: [UInt8] = []
    decoded.reserveCapacity(name.count)
    var i = 0
    while i < name.count {
        if name[i] == UInt8(ascii: "%"), i + 2 < name.count, let high = hexValue(name[i + 1]),
            let low = hexValue(name[i + 2])
        {
            decoded.append(asciiLowercase(high << 4 | low))
            i += 3
        } else {
            decoded.append(asciiLowercase(name[i]))
            i += 1
        }
    }
    if decoded.starts(with: "utm_".utf8) { return true }
    return URLNormalizer.trackingParameters.contains(String(decoding: decoded, as: UTF8.self))
}
