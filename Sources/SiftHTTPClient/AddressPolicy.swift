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

/// The SSRF guard's decision for one connection: which addresses are refused, and
/// which hosts and networks the operator exempted (`SIFT_FETCH_ALLOW_HOSTS`).
struct AddressPolicy: Sendable {
    /// What the guard decided.
    enum Verdict: Sendable, Equatable {
        case allowed
        case blocked(AddressClass)
    }

    /// Exempt host names, lowercased, without a trailing dot. An entry with a leading
    /// dot (`.corp.example`) exempts every subdomain of that name.
    private(set) var allowedHostNames: Set<String> = []
    private(set) var allowedDomainSuffixes: [String] = []
    /// Exempt address blocks.
    private(set) var allowedNetworks: [IPNetwork] = []

    /// Reads `allowedHosts` entries: an address or CIDR block (`10.1.2.3`, `10.0.0.0/8`,
    /// `fd00::/8`, `[::1]`), a host name (`intranet.example`), or a domain suffix
    /// (`.corp.example`). Throws `.invalidConfiguration` for an entry that is none of them.
    init(allowedHosts: [String]) throws(HTTPClientError) {
        for raw in allowedHosts {
            let entry = raw.trimmingASCIIWhitespace().lowercased()
            if entry.isEmpty { continue }
            if let network = IPNetwork(entry) {
                allowedNetworks.append(network)
                continue
            }
            var name = Substring(entry)
            if name.hasSuffix(".") { name = name.dropLast() }
            let isSuffix = name.hasPrefix(".")
            if isSuffix { name = name.dropFirst() }
            guard Self.isHostName(name) else {
                throw HTTPClientError(
                    .invalidConfiguration,
                    "SIFT_FETCH_ALLOW_HOSTS entry '\(raw)' is neither a host name, an IP address nor a CIDR block")
            }
            if isSuffix {
                allowedDomainSuffixes.append("." + name)
            } else {
                allowedHostNames.insert(String(name))
            }
        }
    }

    /// Whether a connection for URL host `host` to `address` may be opened.
    func verdict(host: String?, address: IPAddress) -> Verdict {
        guard let addressClass = AddressClass.of(address) else { return .allowed }
        if let host = host.map(Self.normalized), isAllowed(hostName: host) {
            return .allowed
        }
        if allowedNetworks.contains(where: { $0.contains(address) }) {
            return .allowed
        }
        return .blocked(addressClass)
    }

    private func isAllowed(hostName: String) -> Bool {
        allowedHostNames.contains(hostName) || allowedDomainSuffixes.contains(where: { hostName.hasSuffix($0) })
    }

    private static func normalized(_ host: String) -> String {
        var host = Substring(host.lowercased())
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if host.hasSuffix(".") { host = host.dropLast() }
        return String(host)
    }

    private static func isHostName(_ name: Substring) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { byte in
                    (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2d || byte == 0x5f
                }
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
