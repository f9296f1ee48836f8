import Testing

@testable import SiftHTTPClient

@Suite struct AddressPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", AddressClass.loopback),
        ("127.255.0.9", .loopback),
        ("::1", .loopback),
        ("10.1.2.3", .privateNetwork),
        ("172.16.0.1", .privateNetwork),
        ("172.31.255.254", .privateNetwork),
        ("192.168.0.1", .privateNetwork),
        ("169.254.1.1", .linkLocal),
        ("fe80::1", .linkLocal),
        ("100.64.0.1", .sharedAddressSpace),
        ("100.127.255.255", .sharedAddressSpace),
        ("fc00::1", .uniqueLocal),
        ("fd12:3456::1", .uniqueLocal),
        ("0.0.0.0", .unspecified),
        ("::", .unspecified),
        ("0.1.2.3", .reserved),
        ("224.0.0.1", .multicast),
        ("239.255.255.250", .multicast),
        ("ff02::1", .multicast),
        ("255.255.255.255", .broadcast),
        ("240.0.0.1", .reserved),
        ("169.254.169.254", .cloudMetadata),
        ("fd00:ec2::254", .cloudMetadata),
        // IPv6 forms that carry an IPv4 address are judged by it.
        ("::ffff:127.0.0.1", .loopback),
        ("::ffff:10.0.0.1", .privateNetwork),
        ("::ffff:169.254.169.254", .cloudMetadata),
        ("::ffff:0.0.0.0", .unspecified),
        ("::10.0.0.1", .privateNetwork),
        ("64:ff9b::192.168.1.1", .privateNetwork),
        ("2002:7f00:1::", .loopback),
    ])
    func classifiesNonPublicAddresses(_ text: String, _ expected: AddressClass) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressClass.of(address) == expected)
    }

    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0", "169.253.255.255",
        "192.169.0.1", "223.255.255.255", "2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8", "2002:0808:0808::", "fec0::1",
    ])
    func letsPublicAddressesThrough(_ text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(AddressClass.of(address) == nil)
    }

    @Test func exemptsAllowedHostsByNameAndNetworks() throws {
        let policy = try AddressPolicy(allowedHosts: [
            " Intranet.Example ", ".corp.example", "10.20.0.0/16", "fd00:1234::/32", "192.168.1.5", "[::1]", "",
        ])
        let loopback = try #require(IPAddress("127.0.0.1"))
        #expect(policy.verdict(host: "intranet.example", address: loopback) == .allowed)
        #expect(policy.verdict(host: "INTRANET.example.", address: loopback) == .allowed)
        #expect(policy.verdict(host: "wiki.corp.example", address: loopback) == .allowed)
        #expect(policy.verdict(host: "corp.example", address: loopback) == .blocked(.loopback))
        #expect(policy.verdict(host: "evilcorp.example", address: loopback) == .blocked(.loopback))
        #expect(policy.verdict(host: "other.example", address: loopback) == .blocked(.loopback))
        #expect(policy.verdict(host: "x", address: IPAddress("10.20.3.4")!) == .allowed)
        #expect(policy.verdict(host: "x", address: IPAddress("::ffff:10.20.3.4")!) == .allowed)
        #expect(policy.verdict(host: "x", address: IPAddress("10.21.3.4")!) == .blocked(.privateNetwork))
        #expect(policy.verdict(host: "x", address: IPAddress("fd00:1234:5::1")!) == .allowed)
        #expect(policy.verdict(host: "x", address: IPAddress("fd00:1235::1")!) == .blocked(.uniqueLocal))
        #expect(policy.verdict(host: "x", address: IPAddress("192.168.1.5")!) == .allowed)
        #expect(policy.verdict(host: "x", address: IPAddress("192.168.1.6")!) == .blocked(.privateNetwork))
        #expect(policy.verdict(host: "[::1]", address: IPAddress("::1")!) == .allowed)
        #expect(policy.verdict(host: nil, address: IPAddress("8.8.8.8")!) == .allowed)
    }

    @Test func anEmptyPolicyBlocksEveryNonPublicAddress() throws {
        let policy = try AddressPolicy(allowedHosts: [])
        #expect(policy.verdict(host: "localhost", address: IPAddress("::1")!) == .blocked(.loopback))
        #expect(policy.verdict(host: "metadata", address: IPAddress("169.254.169.254")!) == .blocked(.cloudMetadata))
        #expect(policy.verdict(host: "example.org", address: IPAddress("93.184.216.34")!) == .allowed)
    }

    @Test(arguments: ["10.0.0.0/33", "bad host", "-leading.example", "under_score..example", "http://x.example"])
    func refusesEntriesThatAreNeitherNamesNorNetworks(_ entry: String) {
        #expect(throws: HTTPClientError.self) {
            try AddressPolicy(allowedHosts: [entry])
        }
    }
}
