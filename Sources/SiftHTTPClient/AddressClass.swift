/// Why an address is not a public internet address.
enum AddressClass: Sendable, Hashable, CustomStringConvertible {
    case loopback
    case privateNetwork
    case linkLocal
    case sharedAddressSpace
    case uniqueLocal
    case unspecified
    case multicast
    case broadcast
    case reserved
    case cloudMetadata

    var description: String {
        switch self {
        case .loopback: "loopback"
        case .privateNetwork: "private network"
        case .linkLocal: "link-local"
        case .sharedAddressSpace: "carrier-grade NAT shared space"
        case .uniqueLocal: "unique local"
        case .unspecified: "unspecified"
        case .multicast: "multicast"
        case .broadcast: "broadcast"
        case .reserved: "reserved"
        case .cloudMetadata: "cloud metadata endpoint"
        }
    }

    /// The class of a non-public address, or nil for an address the guard lets through.
    ///
    /// IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:0:0/96`,
    /// IPv4-compatible `::/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by
    /// the IPv4 address inside them.
    static func of(_ address: IPAddress) -> AddressClass? {
        for (network, addressClass) in table where network.contains(address) {
            return addressClass
        }
        if address.family == .v6, let embedded = embeddedV4(address) {
            return of(embedded)
        }
        return nil
    }

    private static func embeddedV4(_ address: IPAddress) -> IPAddress? {
        let b = address.bytes
        if let mapped = address.ipv4Mapped { return mapped }
        if b[0..<12].allSatisfy({ $0 == 0 }) {  // IPv4-compatible (deprecated), not :: or ::1
            return IPAddress(v4: b[12], b[13], b[14], b[15])
        }
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b, b[4..<12].allSatisfy({ $0 == 0 }) {
            return IPAddress(v4: b[12], b[13], b[14], b[15])  // NAT64 well-known prefix
        }
        if b[0] == 0x20, b[1] == 0x02 {
            return IPAddress(v4: b[2], b[3], b[4], b[5])  // 6to4
        }
        return nil
    }

    /// Checked in order: the specific metadata addresses come before the ranges holding them.
    private static let table: [(IPNetwork, AddressClass)] = ([
        ("169.254.169.254/32", .cloudMetadata),
        ("fd00:ec2::254/128", .cloudMetadata),
        ("0.0.0.0/32", .unspecified),
        ("0.0.0.0/8", .reserved),  // "this network"
        ("127.0.0.0/8", .loopback),
        ("10.0.0.0/8", .privateNetwork),
        ("172.16.0.0/12", .privateNetwork),
        ("192.168.0.0/16", .privateNetwork),
        ("169.254.0.0/16", .linkLocal),
        ("100.64.0.0/10", .sharedAddressSpace),
        ("224.0.0.0/4", .multicast),
        ("255.255.255.255/32", .broadcast),
        ("240.0.0.0/4", .reserved),
        ("::/128", .unspecified),
        ("::1/128", .loopback),
        ("fe80::/10", .linkLocal),
        ("fc00::/7", .uniqueLocal),
        ("ff00::/8", .multicast),
    ] as [(String, AddressClass)]).map { (IPNetwork($0.0)!, $0.1) }
}
