/// The text of a fetched body and how its encoding was chosen.
public struct DecodedText: Sendable, Equatable {
    /// Where the choice of encoding came from.
    public enum Source: Sendable, Hashable {
        /// A UTF-8 or UTF-16 byte order mark at the start of the body (it is not in ``text``).
        case byteOrderMark
        /// The `charset` parameter of the `Content-Type` header.
        case contentType
        /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 4 KiB of an
        /// HTML body, or the `encoding` of an XML declaration at its very start.
        case document
        /// Nothing was declared and the body is valid UTF-8.
        case validUTF8
        /// Nothing was declared and the body is not valid UTF-8: read as windows-1252.
        case fallback
    }

    /// The decoded text.
    public var text: String
    /// The encoding the text was decoded with (UTF-8 when ``label`` was not understood).
    public var encoding: TextEncoding
    /// Where the choice of encoding came from.
    public var source: Source
    /// The declared label acted on (from the header or the document), normalized: trimmed
    /// and lowercased; `nil` when the encoding came from a byte order mark or was sniffed.
    public var label: String?
    /// Whether ``label`` names an encoding decoded here. When `false` (`shift_jis`, `gb2312`,
    /// junk like `none`), ``text`` is the body read as UTF-8, invalid bytes as U+FFFD, and a
    /// caller should say that the page's charset was not understood.
    public var isLabelSupported: Bool

    /// A decoded text; see the properties.
    public init(text: String, encoding: TextEncoding, source: Source, label: String?, isLabelSupported: Bool) {
        self.text = text
        self.encoding = encoding
        self.source = source
        self.label = label
        self.isLabelSupported = isLabelSupported
    }
}

/// Turns the bytes of a fetched body into a `String`, choosing the encoding the way a
/// browser does (the WHATWG Encoding and HTML standards), in this order:
///
/// 1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), which is then dropped;
/// 2. the `charset` parameter of the `Content-Type` header;
/// 3. for HTML, a `<meta charset=…>` or `<meta http-equiv="Content-Type" content="…;
///    charset=…">` in the first 4 KiB (tags, comments and quoted attribute values are
///    skipped properly, so a `<meta>` inside a comment or an attribute does not count;
///    a `utf-16` label here means UTF-8, as the page was readable as ASCII), else the
///    `encoding` of an `<?xml …?>` declaration that starts the body;
/// 4. UTF-8 when the body is valid UTF-8;
/// 5. windows-1252, which decodes any bytes.
///
/// The first label declared decides: one that names an encoding not decoded here (see
/// ``TextEncoding``) is not skipped for a later one, because the page most likely is in
/// that encoding; the body is then read as lossy UTF-8 and ``DecodedText/isLabelSupported``
/// is `false`. Valid UTF-8 costs one validating pass over the body; declared encodings
/// one decoding pass.
public enum TextDecoding {
    /// How far into an HTML body `<meta>` is looked for.
    public static let prescanLimit = 4096

    /// Decodes `body` served with the `Content-Type` value `contentType`; `isHTML` enables
    /// the `<meta>` and XML-declaration lookup.
    public static func decode(_ body: [UInt8], contentType: String?, isHTML: Bool) -> DecodedText {
        body.withUnsafeBufferPointer { decode(bytes: $0, contentType: contentType, isHTML: isHTML) }
    }

    /// Decodes the bytes in `bytes` served with the `Content-Type` value `contentType`;
    /// `isHTML` enables the `<meta>` and XML-declaration lookup.
    public static func decode(
        bytes: UnsafeBufferPointer<UInt8>, contentType: String?, isHTML: Bool
    ) -> DecodedText {
        if let (encoding, length) = byteOrderMark(bytes) {
            let rest = UnsafeBufferPointer(rebasing: bytes[length...])
            return DecodedText(
                text: encoding.decode(bytes: rest), encoding: encoding, source: .byteOrderMark, label: nil,
                isLabelSupported: true)
        }
        if let declared = MediaType.parameter("charset", in: contentType) {
            let label = TextEncoding.normalize(label: declared)
            if !label.isEmpty {
                return decode(bytes, label: label, encoding: TextEncoding(label: label), source: .contentType)
            }
        }
        if isHTML, let declared = documentCharset(bytes) {
            let label = TextEncoding.normalize(label: declared)
            var encoding = TextEncoding(label: label)
            // A document readable as ASCII to find its `<meta>` is not UTF-16 (WHATWG).
            if encoding == .utf16LE || encoding == .utf16BE { encoding = .utf8 }
            return decode(bytes, label: label, encoding: encoding, source: .document)
        }
        if let text = String(validating: bytes, as: UTF8.self) {
            return DecodedText(text: text, encoding: .utf8, source: .validUTF8, label: nil, isLabelSupported: true)
        }
        return DecodedText(
            text: TextEncoding.windows1252.decode(bytes: bytes), encoding: .windows1252, source: .fallback,
            label: nil, isLabelSupported: true)
    }

    /// The charset label declared by `contentType`, as written (unquoted); `nil` when none.
    public static func charset(inContentType contentType: String?) -> String? {
        MediaType.parameter("charset", in: contentType)
    }

    /// The charset label an HTML body declares in its first ``prescanLimit`` bytes: a
    /// `<meta>` element's, else that of an XML declaration at its start; `nil` when none.
    public static func documentCharset(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBufferPointer { documentCharset($0) }
    }

    /// The charset label the HTML bytes in `bytes` declare in their first ``prescanLimit``
    /// bytes: a `<meta>` element's, else that of an XML declaration at the start.
    public static func documentCharset(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var scanner = CharsetPrescan(input: UnsafeBufferPointer(rebasing: bytes.prefix(prescanLimit)))
        return scanner.metaCharset() ?? scanner.xmlDeclarationEncoding()
    }

    /// The encoding of a byte order mark at the start of `bytes`, and the mark's length.
    static func byteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>) -> (TextEncoding, Int)? {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { return (.utf8, 3) }
        if bytes.count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF { return (.utf16BE, 2) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE { return (.utf16LE, 2) }
        return nil
    }

    private static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, label: String, encoding: TextEncoding?, source: DecodedText.Source
    ) -> DecodedText {
        DecodedText(
            text: (encoding ?? .utf8).decode(bytes: bytes), encoding: encoding ?? .utf8, source: source, label: label,
            isLabelSupported: encoding != nil)
    }
}
