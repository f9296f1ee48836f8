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
