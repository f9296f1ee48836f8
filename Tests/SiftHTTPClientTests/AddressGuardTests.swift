import Logging
import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

/// The SSRF guard over real connections: names resolve to 127.0.0.1 through CURLOPT_RESOLVE.
@Suite struct AddressGuardTests {
    private func configuration(port: Int, allowedHosts: [String] = ["ok.test"]) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.resolve = ["evil.test:\(port):127.0.0.1", "ok.test:\(port):127.0.0.1"]
        configuration.allowedHosts = allowedHosts
        return configuration
    }

    private func guarded(_ url: String) -> HTTPRequest {
        get(url) { $0.guardsPrivateAddresses = true }
    }

    @Test func anAllowedHostIsFetched() async throws {
        try await withPageServer { _, port, _ in
            try await withClient(configuration(port: port)) { client in
                let response = try await client.execute(guarded("http://ok.test:\(port)/plain"))
                #expect(response.status == 200)
                #expect(try await response.body.text() == PageServer.plainText)
            }
        }
    }

    @Test func aPrivateAddressIsBlocked() async throws {
        try await withPageServer { _, port, counters in
            try await withClient(configuration(port: port)) { client in
                var request = guarded("http://evil.test:\(port)/flaky?fail=0&key=evil")
                request.retry = .default  // a refusal is final, never retried
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(request)
                }
                #expect(error?.kind == .blockedAddress)
                #expect(error?.message.contains("127.0.0.1") == true)
                #expect(error?.message.contains("loopback") == true)
                #expect(error?.message.contains("evil.test") == true)
                #expect(error?.message.contains("SIFT_FETCH_ALLOW_HOSTS") == true)
                #expect(error?.message.contains("attempts") == false)
                #expect(counters.flakyAttempts(key: "evil") == 0, "no byte reached the server")
            }
        }
    }

    @Test func aRedirectToAPrivateAddressIsBlocked() async throws {
        try await withPageServer { _, port, counters in
            try await withClient(configuration(port: port)) { client in
                let target = "http://evil.test:\(port)/flaky?fail=0&key=redirected"
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(guarded("http://ok.test:\(port)/redirect?to=\(target)"))
                }
                #expect(error?.kind == .blockedAddress)
                #expect(error?.message.contains("evil.test") == true)
                #expect(counters.flakyAttempts(key: "redirected") == 0)
            }
        }
    }

    @Test func withoutTheGuardEverythingConnects() async throws {
        try await withPageServer { _, port, _ in
            try await withClient(configuration(port: port)) { client in
                let response = try await client.execute(get("http://evil.test:\(port)/plain"))
                #expect(response.status == 200)
            }
        }
    }

    @Test func anAllowedNetworkLetsAddressesThrough() async throws {
        try await withPageServer { _, port, _ in
            try await withClient(configuration(port: port, allowedHosts: ["127.0.0.0/8"])) { client in
                let byName = try await client.execute(guarded("http://evil.test:\(port)/plain"))
                #expect(byName.status == 200)
                let byAddress = try await client.execute(guarded("http://127.0.0.1:\(port)/plain"))
                #expect(byAddress.status == 200)
            }
        }
    }

    @Test func aLiteralLoopbackAddressIsBlocked() async throws {
        try await withPageServer { _, port, _ in
            try await withClient(configuration(port: port)) { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(guarded("http://127.0.0.1:\(port)/plain"))
                }
                #expect(error?.kind == .blockedAddress)
            }
        }
    }

    @Test func aCachedConnectionIsCheckedToo() async throws {
        try await withPageServer { _, port, _ in
            try await withClient(configuration(port: port)) { client in
                // An unguarded request leaves a connection to evil.test in the cache...
                let open = try await client.execute(get("http://evil.test:\(port)/plain"))
                _ = try await open.body.collect(upTo: 1024)
                // ...which a guarded request must not ride.
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.execute(guarded("http://evil.test:\(port)/plain"))
                }
                #expect(error?.kind == .blockedAddress)
            }
        }
    }

    @Test func aBadAllowedHostEntryIsAConfigurationError() async throws {
        var configuration = HTTPClient.Configuration()
        configuration.allowedHosts = ["10.0.0.0/33"]
        let error = #expect(throws: HTTPClientError.self) {
            _ = try HTTPClient(configuration: configuration, logger: .init(label: "test"))
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.message.contains("10.0.0.0/33") == true)
    }
}
