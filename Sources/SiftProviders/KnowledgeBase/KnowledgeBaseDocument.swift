import SiftText

/// One document on its way into the index: a dictionary entry, a page, a summary.
struct KnowledgeBaseDocument: Sendable, Equatable {
    /// One searchable passage of a document.
    struct Passage: Sendable, Equatable {
        /// Searchable context that is not shown: the section heading, synonyms, categories.
        var context: String
        /// The text shown and handed to the synthesizer.
        var text: String
    }

    /// Short entries (dictionary, encyclopedia summary) read best from their start;
    /// long pages from the passage that matched.
    enum Kind: String, Sendable, Equatable {
        case entry
        case page
    }

    /// Display name of the collection ("WordNet").
    var collection: String
    var title: String
    /// Stable URI (`kb://wordnet/Canberra`).
    var url: String
    /// Where the text came from, when a reader can open it (a `file://` or web URL).
    var origin: String?
    var passages: [Passage]
    var kind: Kind = .page

    /// The first passage, cut to about 300 characters at a word boundary.
    var snippet: String {
        KnowledgeBaseDocument.shorten(passages.first?.text ?? "", to: 300)
    }

    /// `text` cut to at most `limit` characters at a word boundary, with an ellipsis when cut.
    static func shorten(_ text: String, to limit: Int) -> String {
        if TextNormalization.isPlainASCII(text) { return shortenASCII(text, to: limit) }
        return shortenCharacters(text, to: limit)
    }

    /// ``shorten(_:to:)`` for plain ASCII without a carriage return, byte by byte: each byte is the
    /// Character it spells, and the newlines are line feed, vertical tab and form feed.
    static func shortenASCII(_ text: String, to limit: Int) -> String {
        var bytes = Array(text.utf8)
        if bytes.contains(0x0A) {
            bytes = Array(bytes.split(whereSeparator: { $0 >= 0x0A && $0 <= 0x0C }).joined(separator: [0x20]))
        }
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        let cut = bytes[..<max(0, limit)]
        if let space = cut.lastIndex(of: 0x20), space > limit / 2 {
            return String(decoding: cut[..<space], as: UTF8.self) + "…"
        }
        return String(decoding: cut, as: UTF8.self) + "…"
    }

    /// ``shorten(_:to:)`` for any text, Character by Character.
    static func shortenCharacters(_ text: String, to limit: Int) -> String {
        let flat = text.contains("\n") ? text.split(whereSeparator: \.isNewline).joined(separator: " ") : text
        guard flat.count > limit else { return flat }
        let cut = flat.prefix(limit)
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 {
            return String(cut[..<space]) + "…"
        }
        return String(cut) + "…"
    }

    /// A `kb://` URI: `kb://<slug>/<path>`, with the path percent-encoded except `/`.
    static func uri(_ slug: String, _ path: String) -> String {
        "kb://\(slug)/\(percentEncode(path, keepSlash: true))"
    }

    /// Percent-encodes everything but unreserved characters (and `/` when `keepSlash`).
    static func percentEncode(_ text: String, keepSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Passages of a readable document: split by `splitter`, each with its heading as context.
    static func passages(of document: ReadableDocument, splitter: PassageSplitter) -> [Passage] {
        splitter.split(document).map { Passage(context: $0.heading ?? "", text: $0.text) }
    }
}
