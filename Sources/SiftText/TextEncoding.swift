/// A character encoding that Sift decodes by hand: the encodings of nearly every web page
/// outside East Asia and Eastern Europe.
///
/// Labels follow the WHATWG Encoding Standard: `iso-8859-1`, `latin1`, `ascii` and
/// `us-ascii` name ``windows1252`` (browsers have always read them so, and pages labelled
/// Latin-1 routinely use the 0x80–0x9F punctuation of windows-1252), and `utf-16` names
/// ``utf16LE``. Every decoder is total: it never fails, and bytes that are not valid in the
/// encoding become U+FFFD. None of them strips a byte order mark; ``TextDecoding`` does.
public enum TextEncoding: String, Sendable, Hashable, CaseIterable {
    /// UTF-8; invalid sequences become one U+FFFD each (the WHATWG "maximal subpart" rule).
    case utf8 = "UTF-8"
    /// UTF-16, little-endian; unpaired surrogates and an odd last byte become U+FFFD.
    case utf16LE = "UTF-16LE"
    /// UTF-16, big-endian; unpaired surrogates and an odd last byte become U+FFFD.
    case utf16BE = "UTF-16BE"
    /// windows-1252, which also stands for US-ASCII and ISO-8859-1 (Latin-1).
    case windows1252 = "windows-1252"
    /// ISO-8859-15 (Latin-9): Latin-1 with the euro sign and seven other letters.
    case iso8859_15 = "ISO-8859-15"

    /// The WHATWG name of the encoding, as a caller would print it.
    public var name: String { rawValue }

    /// The encoding a label names, after WHATWG normalization (surrounding ASCII white
    /// space trimmed, ASCII letters lowercased); `nil` for a label of an encoding not
    /// decoded here (`shift_jis`, `gb2312`, `koi8-r`) and for a label that names nothing.
    public init?(label: some StringProtocol) {
        guard let encoding = encodingLabels[Self.normalize(label: label)] else { return nil }
        self = encoding
    }

    /// `label` trimmed of ASCII white space and quotes and ASCII-lowercased, the form
    /// labels are compared and reported in.
    public static func normalize(label: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(label.utf8.count)
        for byte in label.utf8 {
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        var start = 0
        var end = bytes.count
        func trimmable(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D || b == UInt8(ascii: "\"")
                || b == UInt8(ascii: "'")
        }
        while start < end, trimmable(bytes[start]) { start += 1 }
        while end > start, trimmable(bytes[end - 1]) { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Decodes `bytes`; a byte order mark, if any, is kept as U+FEFF.
    public func decode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { decode(bytes: $0) }
    }

    /// Decodes the bytes in `bytes`; a byte order mark, if any, is kept as U+FEFF.
    public func decode(bytes: UnsafeBufferPointer<UInt8>) -> String {
        switch self {
        case .utf8: String(decoding: bytes, as: UTF8.self)
        case .utf16LE: decodeUTF16(bytes, bigEndian: false)
        case .utf16BE: decodeUTF16(bytes, bigEndian: true)
        case .windows1252: decodeSingleByte(bytes, high: windows1252High)
        case .iso8859_15: decodeSingleByte(bytes, high: iso8859_15High)
        }
    }
}

// MARK: - Decoders

/// Decodes a single-byte encoding whose bytes 0x00–0x7F are ASCII and whose bytes
/// 0x80–0xFF map to `high[byte - 0x80]`. Two passes: one to size the UTF-8 result
/// exactly, one to write it.
private func decodeSingleByte(_ bytes: UnsafeBufferPointer<UInt8>, high: [UInt16]) -> String {
    var length = 0
    for byte in bytes {
        if byte < 0x80 {
            length += 1
        } else {
            length += high[Int(byte) - 0x80] < 0x800 ? 2 : 3
        }
    }
    if length == bytes.count { return String(decoding: bytes, as: UTF8.self) }
    return high.withUnsafeBufferPointer { table in
        String(unsafeUninitializedCapacity: length) { out in
            var o = 0
            for byte in bytes {
                if byte < 0x80 {
                    out[o] = byte
                    o += 1
                    continue
                }
                let scalar = UInt32(table[Int(byte) - 0x80])
                if scalar < 0x800 {
                    out[o] = UInt8(0xC0 | (scalar >> 6))
                    out[o + 1] = UInt8(0x80 | (scalar & 0x3F))
                    o += 2
                } else {
                    out[o] = UInt8(0xE0 | (scalar >> 12))
                    out[o + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                    out[o + 2] = UInt8(0x80 | (scalar & 0x3F))
                    o += 3
                }
            }
            return o
        }
    }
}

/// Decodes UTF-16 in the given byte order, pairing surrogates by hand.
private func decodeUTF16(_ bytes: UnsafeBufferPointer<UInt8>, bigEndian: Bool) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + bytes.count / 2)
    let count = bytes.count
    var i = 0
    func unit(at position: Int) -> UInt32 {
        bigEndian
            ? UInt32(bytes[position]) << 8 | UInt32(bytes[position + 1])
            : UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position])
    }
    while i + 1 < count {
        let first = unit(at: i)
        i += 2
        var scalar = first
        if first >= 0xD800 && first <= 0xDBFF {
            // A lead surrogate: it needs a trail surrogate next, else it stands alone.
            if i + 1 < count {
                let second = unit(at: i)
                if second >= 0xDC00 && second <= 0xDFFF {
                    scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    i += 2
                } else {
                    scalar = 0xFFFD
                }
            } else {
                scalar = 0xFFFD
            }
        } else if first >= 0xDC00 && first <= 0xDFFF {
            scalar = 0xFFFD
        }
        appendUTF8(scalar, to: &out)
    }
    if i < count { appendUTF8(0xFFFD, to: &out) }
    return String(decoding: out, as: UTF8.self)
}

/// Appends the UTF-8 form of the valid scalar value `scalar`.
func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case ..<0x80:
        out.append(UInt8(scalar))
    case ..<0x800:
        out.append(UInt8(0xC0 | (scalar >> 6)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    case ..<0x10000:
        out.append(UInt8(0xE0 | (scalar >> 12)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (scalar >> 18)))
        out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (scalar & 0x3F)))
    }
}

// MARK: - Tables

/// The windows-1252 characters of bytes 0x80–0x9F (WHATWG index). The five bytes Microsoft
/// leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 controls of the same value.
let windows1252C1: [UInt16] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
]

/// Bytes 0x80–0xFF of windows-1252: the C1 table, then Latin-1.
private let windows1252High: [UInt16] = windows1252C1 + (0xA0...0xFF).map { UInt16($0) }

/// Bytes 0x80–0xFF of ISO-8859-15: C1 controls, then Latin-1 except for eight code points.
private let iso8859_15High: [UInt16] = (0x80...0xFF).map { byte -> UInt16 in
    switch byte {
    case 0xA4: 0x20AC  // €
    case 0xA6: 0x0160  // Š
    case 0xA8: 0x0161  // š
    case 0xB4: 0x017D  // Ž
    case 0xB8: 0x017E  // ž
    case 0xBC: 0x0152  // Œ
    case 0xBD: 0x0153  // œ
    case 0xBE: 0x0178  // Ÿ
    default: UInt16(byte)
    }
}

/// WHATWG labels of the encodings decoded here.
private let encodingLabels: [String: TextEncoding] = {
    var labels: [String: TextEncoding] = [:]
    for label in [
        "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8",
    ] {
        labels[label] = .utf8
    }
    for label in [
        "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
        "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252",
        "x-cp1252",
    ] {
        labels[label] = .windows1252
    }
    for label in ["csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"] {
        labels[label] = .iso8859_15
    }
    for label in ["unicodefffe", "utf-16be"] {
        labels[label] = .utf16BE
    }
    for label in ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"] {
        labels[label] = .utf16LE
    }
    return labels
}()
