import Testing

@testable import SiftHTTPClient

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("127.0.0.1", [127, 0, 0, 1]),
        ("0.0.0.0", [0, 0, 0, 0]),
        ("255.255.255.255", [255, 255, 255, 255]),
    ] as [(String, [UInt8])])
    func parsesIPv4(_ text: String, _ bytes: [UInt8]) {
        #expect(IPAddress(text)?.bytes == bytes)
        #expect(IPAddress(text)?.family == .v4)
        #expect(IPAddress(text)?.description == text)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.-4", "1..2.3", "0x7f.0.0.1", "1.2.3.4 ",
        "::1::", "1:2:3:4:5:6:7:8:9", "12345::", "::g", "fe80::1%eth0", "1:2:3:4:5:6:7", ":1::", "::1.2.3",
        "1.2.3.4::", "[::1",
    ])
    func refusesMalformedAddresses(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [
        ("::1", "::1"),
        ("::", "::"),
        ("[::1]", "::1"),
        ("FE80:0:0:0:0:0:0:1", "fe80::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // the first of two equal runs
        ("2001:db8::0:1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
        ("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"),  // single zero groups stay
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("::ffff:a00:1", "::ffff:10.0.0.1"),
        ("fd00:ec2::254", "fd00:ec2::254"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("64:ff9b::192.0.2.1", "64:ff9b::c000:201"),
    ])
    func parsesAndPrintsIPv6(_ text: String, _ canonical: String) {
        let address = IPAddress(text)
        #expect(address?.family == .v6)
        #expect(address?.bytes.count == 16)
        #expect(address?.description == canonical)
        #expect(address.flatMap { IPAddress($0.description) } == address, "the printed form parses back")
    }

    @Test func findsTheIPv4InsideAMappedAddress() {
        #expect(IPAddress("::ffff:127.0.0.1")?.ipv4Mapped == IPAddress("127.0.0.1"))
        #expect(IPAddress("::127.0.0.1")?.ipv4Mapped == nil)
        #expect(IPAddress("127.0.0.1")?.ipv4Mapped == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true),
        ("10.0.0.0/8", "11.0.0.0", false),
        ("172.16.0.0/12", "172.31.255.255", true),
        ("172.16.0.0/12", "172.32.0.0", false),
        ("100.64.0.0/10", "100.127.0.1", true),
        ("100.64.0.0/10", "100.128.0.1", false),
        ("192.168.1.77/24", "192.168.1.1", true),  // host bits are ignored
        ("0.0.0.0/0", "8.8.8.8", true),
        ("0.0.0.0/0", "::1", false),  // families never mix...
        ("127.0.0.0/8", "::ffff:127.0.0.1", true),  // ...except IPv4-mapped into an IPv4 block
        ("203.0.113.9", "203.0.113.9", true),  // a bare address is a block of one
        ("203.0.113.9", "203.0.113.10", false),
        ("fe80::/10", "febf::1", true),
        ("fe80::/10", "fec0::1", false),
        ("fc00::/7", "fd12:3456::1", true),
        ("2001:db8::/32", "2001:db9::", false),
        ("::1/128", "::1", true),
        ("[::1]", "::1", true),
    ])
    func matchesCIDRBlocks(_ block: String, _ address: String, _ inside: Bool) throws {
        let network = try #require(IPNetwork(block))
        let candidate = try #require(IPAddress(address))
        #expect(network.contains(candidate) == inside)
    }

    @Test(arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "example.org/8", "10.0.0.0/08x"])
    func refusesMalformedBlocks(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
