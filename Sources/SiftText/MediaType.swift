/// Reading a `Content-Type` header value: its essence (`type/subtype`) and its parameters.
///
/// Lenient the way browsers are: white space around `;` and `=` is allowed, parameter
/// names are matched case-insensitively, a quoted value loses its quotes and backslash
/// escapes, and junk yields an empty essence or no parameter rather than an error.
enum MediaType {
    /// The lowercased `type/subtype` of `contentType`, without parameters; empty when the
    /// header is empty or `nil`, or holds no `/`.
    static func essence(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        var bytes: [UInt8] = []
        for byte in contentType.utf8 {
            if byte == UInt8(ascii: ";") || byte == UInt8(ascii: ",") { break }
            if isHTTPSpace(byte) { continue }
            bytes.append(asciiLowercase(byte))
        }
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash > 0, slash < bytes.count - 1 else {
            return ""
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of the parameter `name` (lowercase) in `contentType`, unquoted; `nil` when absent.
    static func parameter(_ name: String, in contentType: String?) -> String? {
        guard let contentType else { return nil }
        let bytes = Array(contentType.utf8)
        let nameBytes = Array(name.utf8)
        let count = bytes.count
        var i = 0
        // Skip the essence.
        while i < count, bytes[i] != UInt8(ascii: ";") { i += 1 }
        while i < count {
            // At a `;`: read `name = value`.
            i += 1
            while i < count, isHTTPSpace(bytes[i]) { i += 1 }
            let nameStart = i
            while i < count, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: ";") { i += 1 }
            var nameEnd = i
            while nameEnd > nameStart, isHTTPSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            let matches =
                nameEnd - nameStart == nameBytes.count
                && zip(bytes[nameStart..<nameEnd], nameBytes).allSatisfy { asciiLowercase($0) == $1 }
            guard i < count, bytes[i] == UInt8(ascii: "=") else { continue }
            i += 1
            while i < count, isHTTPSpace(bytes[i]) { i += 1 }
            var value: [UInt8] = []
            if i < count, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                while i < count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\"), i + 1 < count { i += 1 }
                    value.append(bytes[i])
                    i += 1
                }
                while i < count, bytes[i] != UInt8(ascii: ";") { i += 1 }
            } else {
                while i < count, bytes[i] != UInt8(ascii: ";") {
                    value.append(bytes[i])
                    i += 1
                }
                while let last = value.last, isHTTPSpace(last) { value.removeLast() }
            }
            if matches { return String(decoding: value, as: UTF8.self) }
        }
        return nil
    }
}

/// Space, tab, CR or LF.
func isHTTPSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
}

/// `b` with A–Z lowercased.
func asciiLowercase(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5A ? b + 0x20 : b
}
