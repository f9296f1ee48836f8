/// An IPv4 or IPv6 address, parsed and printed without Foundation or the C library.
///
/// The SSRF guard classifies the address libcurl is about to connect to, and
/// `SIFT_FETCH_ALLOW_HOSTS` entries may be addresses or CIDR blocks: both go through
/// this type.
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address family.
    enum Family: Sendable, Hashable {
        case v4, v6
    }

    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    let bytes: [UInt8]

    var family: Family { bytes.count == 4 ? .v4 : .v6 }

    /// An IPv4 address from its four bytes.
    init(v4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        bytes = [a, b, c, d]
    }

    /// An address from 4 (IPv4) or 16 (IPv6) bytes in network order; nil for any other count.
    init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses dotted-quad IPv4 (`192.0.2.1`) or IPv6 text (`::1`, `fe80::1`,
    /// `::ffff:10.0.0.1`); square brackets around IPv6 are accepted. Zone ids
    /// (`%eth0`), octal or hex IPv4 forms and leading zeros in IPv4 are refused.
    init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") {
            text = text.dropFirst().dropLast()
        }
        if text.contains(":") {
            guard let parsed = Self.parseV6(text) else { return nil }
            bytes = parsed
        } else {
            guard let parsed = Self.parseV4(text) else { return nil }
            bytes = parsed
        }
    }

    /// For an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), the IPv4 address inside.
    var ipv4Mapped: IPAddress? {
        guard family == .v6, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff
        else { return nil }
        return IPAddress(v4: bytes[12], bytes[13], bytes[14], bytes[15])
    }

    /// Text form: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`,
    /// IPv4-mapped addresses as `::ffff:a.b.c.d`).
    var description: String {
        if family == .v4 {
            return bytes.map(String.init).joined(separator: ".")
        }
        if let v4 = ipv4Mapped {
            return "::ffff:" + v4.description
        }
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        // The longest run of two or more zero groups (the first one on a tie) becomes "::".
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    private static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(4)
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                part.count == 1 || part.first != "0",
                let value = UInt8(part)
            else { return nil }
            result.append(value)
        }
        return result
    }

    private static func parseV6(_ text: Substring) -> [UInt8]? {
        // At most one "::"; split into the groups before and after it.
        let halves = text.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        guard let head = parseGroups(halves[0], allowTrailingV4: halves.count == 1) else { return nil }
        if halves.count == 1 {
            return head.count == 16 ? head : nil
        }
        guard let tail = parseGroups(halves[1], allowTrailingV4: true),
            head.count + tail.count <= 14
        else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// Colon-separated hex groups, the last of which may be a dotted quad.
    private static func parseGroups(_ text: Substring, allowTrailingV4: Bool) -> [UInt8]? {
        if text.isEmpty { return [] }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        var result: [UInt8] = []
        for (index, group) in groups.enumerated() {
            if index == groups.count - 1, allowTrailingV4, group.contains(".") {
                guard let v4 = parseV4(group) else { return nil }
                result += v4
                continue
            }
            guard !group.isEmpty, group.count <= 4, group.allSatisfy(\.isHexDigit),
                let value = UInt16(group, radix: 16)
            else { return nil }
            result.append(UInt8(value >> 8))
            result.append(UInt8(value & 0xff))
        }
        return result.count <= 16 ? result : nil
    }
}
