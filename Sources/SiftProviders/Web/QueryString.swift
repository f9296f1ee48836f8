/// Builds `name=value&...` query strings, percent-encoding everything but the
/// unreserved characters of RFC 3986 (so `+`, `&`, `=` and spaces in a question
/// reach the server as they were typed).
struct QueryString {
    private(set) var pairs: [(String, String)] = []

    /// Adds `name=value`; a nil value adds nothing.
    mutating func add(_ name: String, _ value: String?) {
        guard let value else { return }
        pairs.append((name, value))
    }

    /// The encoded query, without the leading `?`.
    var encoded: String {
        pairs.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
    }

    /// `text` with every byte outside `A-Z a-z 0-9 - . _ ~` percent-encoded.
    static func escape(_ text: String) -> String {
        KnowledgeBaseDocument.percentEncode(text, keepSlash: false)
    }
}

/// `base` without trailing slashes, so that `base + "/path"` has exactly one.
func trimmingTrailingSlashes(_ base: String) -> String {
    var base = base
    while base.hasSuffix("/") { base.removeLast() }
    return base
}
