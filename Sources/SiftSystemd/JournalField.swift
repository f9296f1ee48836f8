/// One field of a native journal entry, such as `MESSAGE=...` or `SIFT_QUERY_ID=...`.
public struct JournalField: Sendable, Hashable, CustomStringConvertible {
    /// The field name: `A-Z`, `0-9` and `_`, not starting with `_` or a digit, at most 64 bytes.
    public var name: String
    /// The value; any bytes, newlines included, are fine in the native protocol.
    public var value: String

    /// Creates a field.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// The `NAME=value` bytes that `sd_journal_sendv` receives in one `iovec`.
    public var encoded: [UInt8] {
        var bytes = Array(self.name.utf8)
        bytes.append(UInt8(ascii: "="))
        bytes.append(contentsOf: self.value.utf8)
        return bytes
    }

    /// `NAME=value`.
    public var description: String {
        self.name + "=" + self.value
    }

    /// Whether `name` is a valid journal field name for a client to send.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        if first == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}
