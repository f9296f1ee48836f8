/// The reading of a resuming reader's `Last-Event-ID`: the header's text, else the
/// `last_event_id` query parameter's bytes (already percent-decoded). It lives in SiftCore,
/// apart from the route, so that its fuzz target (fuzz/) links little.
public enum LastEventID {
    /// The id after which to send events: `header`, else `parameter`, else 0. Either one empty
    /// or blank (spaces and tabs) counts as absent; anything but a whole number of at most 18
    /// digits (surrounded by spaces or tabs) is a `bad_last_event_id` error.
    public static func parse(header: String?, parameter: [UInt8]?) throws(QueryError) -> Int {
        let bytes: [UInt8]
        if let header, !header.utf8.allSatisfy(isBlank) {
            bytes = Array(header.utf8)
        } else if let parameter, !parameter.allSatisfy(isBlank) {
            // Blank counts as absent, as for the header (schemathesis found `?last_event_id=%20` refused).
            bytes = parameter
        } else {
            return 0
        }
        var digits = bytes[...]
        while let first = digits.first, isBlank(first) { digits.removeFirst() }
        while let last = digits.last, isBlank(last) { digits.removeLast() }
        guard digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(String(decoding: digits, as: UTF8.self))
        else {
            let text = String(decoding: bytes, as: UTF8.self)
            throw QueryError.badLastEventID(
                "Last-Event-ID must be the id of an event this query sent (a whole number), not “\(text.prefix(40))”.")
        }
        return number
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}
