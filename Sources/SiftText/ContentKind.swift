/// What a fetched body is, from its `Content-Type` and its first bytes: a document Sift
/// can read, a PDF, or binary content it skips, with a reason a person can read.
///
/// The label is trusted, except that unmistakable magic numbers (`%PDF-`, PNG, JPEG, GIF,
/// WebP, ZIP, gzip, MP4, …) win over any label: servers label PDFs and downloads
/// `application/octet-stream`, and a mis-configured one sends a gzip file as `text/html`.
/// A `text/plain` body that looks binary is binary (the "Apache bug" of the WHATWG MIME
/// Sniffing standard). An unlabeled body, or one labelled `application/octet-stream` or
/// `unknown/unknown`, is sniffed: magic numbers, then HTML and XML openings (after a BOM
/// and white space), JSON openings, and last the share of NUL and control bytes.
public enum ContentKind: Sendable, Hashable {
    /// HTML (`text/html`, or an unlabeled body that opens like HTML).
    case html
    /// XHTML (`application/xhtml+xml`, or an unlabeled XML body with an `<html>` root).
    case xhtml
    /// Plain text, and text formats read as plain text (CSV, source code, YAML, …).
    case plainText
    /// Markdown (`text/markdown`, `text/x-markdown`).
    case markdown
    /// JSON (`application/json`, `*+json`, or an unlabeled body that opens like JSON).
    case json
    /// Other XML: feeds, sitemaps, `application/xml`, `*+xml`.
    case xml
    /// A PDF document.
    case pdf
    /// Content that is not text: images, audio, video, archives, fonts, executables,
    /// unknown binary data; `mediaType` is the best-known type, such as `image/png` or
    /// `application/octet-stream`.
    case binary(mediaType: String)

    /// How many of the first bytes are looked at.
    public static let sniffLimit = 4096

    /// Classifies a body served with the `Content-Type` value `contentType` (may be `nil`)
    /// whose first bytes are `prefix` (pass at least 512 when there are that many; more
    /// than ``sniffLimit`` are not looked at).
    public init(contentType: String?, prefix: [UInt8]) {
        self = prefix.withUnsafeBufferPointer { ContentKind(contentType: contentType, bytes: $0) }
    }

    /// Classifies a body served with the `Content-Type` value `contentType` whose first
    /// bytes are in `bytes`.
    public init(contentType: String?, bytes: UnsafeBufferPointer<UInt8>) {
        let sample = UnsafeBufferPointer(rebasing: bytes.prefix(Self.sniffLimit))
        let essence = MediaType.essence(contentType)
        if let signature = Self.signature(of: sample, strong: true) {
            self = signature
            return
        }
        if let labelled = Self.kind(ofMediaType: essence, sample: sample) {
            self = labelled
            return
        }
        self = Self.sniff(sample)
    }

    /// The kind the `Content-Type` value names by itself, before any byte has arrived;
    /// `nil` when the label says nothing (missing, `application/octet-stream` and the
    /// like) and only the body's first bytes can tell.
    public init?(label contentType: String?) {
        guard let kind = Self.kind(ofMediaType: MediaType.essence(contentType), sample: UnsafeBufferPointer(start: nil, count: 0))
        else { return nil }
        self = kind
    }

    /// Whether Sift reads this content as text (every kind but ``pdf`` and ``binary(mediaType:)``).
    public var isText: Bool {
        switch self {
        case .pdf, .binary: false
        default: true
        }
    }

    /// Whether the content is HTML or XHTML, for ``TextDecoding`` and ``HTMLTextExtractor``.
    public var isHTML: Bool {
        self == .html || self == .xhtml
    }

    /// The media type the kind stands for (`text/html`, `application/pdf`, `image/png`, …).
    public var mediaType: String {
        switch self {
        case .html: "text/html"
        case .xhtml: "application/xhtml+xml"
        case .plainText: "text/plain"
        case .markdown: "text/markdown"
        case .json: "application/json"
        case .xml: "application/xml"
        case .pdf: "application/pdf"
        case .binary(let mediaType): mediaType
        }
    }

    /// Why a fetcher skips this content, for a person to read ("PDF documents are not read
    /// yet", "binary content (image/png)"); `nil` for text it reads.
    public var skipReason: String? {
        switch self {
        case .pdf: "PDF documents are not read yet"
        case .binary(let mediaType): "binary content (\(mediaType))"
        default: nil
        }
    }
}

// MARK: - Labels

extension ContentKind {
    /// The kind a media type essence names; `nil` when the body must be sniffed.
    static func kind(ofMediaType essence: String, sample: UnsafeBufferPointer<UInt8>) -> ContentKind? {
        if essence.isEmpty || unlabeledTypes.contains(essence) { return nil }
        switch essence {
        case "text/html": return .html
        case "application/xhtml+xml": return .xhtml
        case "text/plain":
            return looksBinary(sample) ? .binary(mediaType: "application/octet-stream") : .plainText
        case "text/markdown", "text/x-markdown", "text/x-web-markdown": return .markdown
        case "application/json", "text/json", "text/x-json", "application/x-ndjson": return .json
        case "text/xml", "application/xml": return .xml
        case "application/pdf", "application/x-pdf", "application/acrobat": return .pdf
        case "image/svg+xml": return .binary(mediaType: essence)
        default: break
        }
        guard let slash = essence.firstIndex(of: "/") else { return nil }
        let type = essence[..<slash]
        if essence.hasSuffix("+json") { return .json }
        if essence.hasSuffix("+xml") { return .xml }
        switch type {
        case "text":
            return .plainText
        case "image", "audio", "video", "font", "model":
            return .binary(mediaType: essence)
        default:
            if textualApplicationTypes.contains(essence) { return .plainText }
            // Mis-configured servers label HTML as `application/x-httpd-php` and the like.
            if let sniffed = sniffMarkup(asciiView(sample)), sniffed == .html { return .html }
            return .binary(mediaType: essence)
        }
    }

    /// Classifies an unlabeled body.
    static func sniff(_ sample: UnsafeBufferPointer<UInt8>) -> ContentKind {
        if let signature = signature(of: sample, strong: false) { return signature }
        let view = asciiView(sample)
        if let markup = sniffMarkup(view) { return markup }
        if looksBinary(sample) { return .binary(mediaType: "application/octet-stream") }
        if looksLikeJSON(view) { return .json }
        return .plainText
    }
}

/// Labels that say nothing about the content.
private let unlabeledTypes: Set<String> = [
    "application/octet-stream", "application/unknown", "unknown/unknown", "*/*", "binary/octet-stream",
    "application/x-unknown", "application/x-unknown-content-type", "application/download",
    "application/force-download", "application/binary",
]

/// `application/*` types that hold text worth reading as plain text.
private let textualApplicationTypes: Set<String> = [
    "application/javascript", "application/ecmascript", "application/x-javascript", "application/x-sh",
    "application/x-shellscript", "application/yaml", "application/x-yaml", "application/toml", "application/sql",
    "application/x-tex", "application/x-latex", "application/x-python", "application/x-perl", "application/x-ruby",
    "application/x-subrip", "application/mbox",
]
