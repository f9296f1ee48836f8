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
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `base` without trailing slashes, so that `base + "/path"` has exactly one.
func trimmingTrailingSlashes(_ base: String) -> String {
    var base = base
    while base.hasSuffix("/") { base.removeLast() }
    return base
}
