import CCurl

/// The scheme and host of a URL, parsed by libcurl's URL API (so that we and libcurl
/// agree on what the host is).
struct URLParts: Sendable, Equatable {
    let scheme: String
    let host: String

    init?(_ url: String) {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
            let scheme = Self.part(handle, CURLUPART_SCHEME),
            let host = Self.part(handle, CURLUPART_HOST)
        else { return nil }
        self.scheme = scheme.lowercased()
        var normalized = Substring(host.lowercased())
        if normalized.hasPrefix("["), normalized.hasSuffix("]") {
            normalized = normalized.dropFirst().dropLast()
        }
        self.host = String(normalized)
    }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
