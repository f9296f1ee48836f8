/// The identifier that ties one query together across the event stream, the
/// `X-Request-Id` header and the journal (`SIFT_QUERY_ID`).
///
/// Sixteen lowercase hexadecimal characters drawn from the system RNG.
public struct QueryID: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The textual form, as it appears on the wire and in logs.
    public let rawValue: String

    /// A fresh random identifier.
    public init() {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        self.rawValue = String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Wraps an identifier received from a client; only `[0-9a-zA-Z_-]{1,64}` is accepted.
    public init?(_ text: some StringProtocol) {
        guard (1...64).contains(text.utf8.count),
            text.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            })
        else { return nil }
        self.rawValue = String(text)
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = QueryID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid query id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
