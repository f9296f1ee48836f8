/// A CIDR block such as `10.0.0.0/8` or `fd00::/8`.
struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    let address: IPAddress
    /// The number of leading bits that every address in the block shares.
    let prefixLength: Int

    /// A block from an address and prefix length; nil when the length does not fit the family.
    init?(_ address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.bytes.count * 8 else { return nil }
        self.address = IPAddress(bytes: Self.masked(address.bytes, prefixLength))!
        self.prefixLength = prefixLength
    }

    /// Parses `address/length`, or a bare address as a block of one.
    init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(parts[0]) else { return nil }
        let length: Int
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                let parsed = Int(parts[1])
            else { return nil }
            length = parsed
        } else {
            length = address.bytes.count * 8
        }
        self.init(address, prefixLength: length)
    }

    /// Whether `candidate` lies inside this block. An IPv4 block also contains the
    /// IPv4-mapped IPv6 forms of its addresses.
    func contains(_ candidate: IPAddress) -> Bool {
        var candidate = candidate
        if address.family == .v4, let mapped = candidate.ipv4Mapped {
            candidate = mapped
        }
        guard candidate.family == address.family else { return false }
        return Self.masked(candidate.bytes, prefixLength) == address.bytes
    }

    var description: String { "\(address)/\(prefixLength)" }

    private static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
        var result = bytes
        for index in result.indices {
            let bitsHere = min(max(prefixLength - index * 8, 0), 8)
            let mask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - bitsHere))
            result[index] &= mask
        }
        return result
    }
}
