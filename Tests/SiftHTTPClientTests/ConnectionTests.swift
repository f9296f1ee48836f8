import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct ConnectionTests {
    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await withPageServer { base, _, _ in
            try await withClient { client in
                let first = try await client.execute(get("\(base)/plain"))
                _ = try await first.body.collect(upTo: 1 << 20)
                let second = try await client.execute(get("\(base)/article"))
                _ = try await second.body.collect(upTo: 1 << 20)
                #expect(first.newConnections == 1)
                #expect(second.newConnections == 0, "the second request rode the cached connection")
            }
        }
    }

    @Test(arguments: [2, 6])
    func perHostConnectionsAreCapped(cap: Int) async throws {
        try await withPageServer { base, _, counters in
            var configuration = HTTPClient.Configuration()
            configuration.maxConnectionsPerHost = cap
            try await withClient(configuration) { client in
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            let response = try await client.execute(get("\(base)/concurrency?ms=150"))
                            _ = try await response.body.collect(upTo: 1024)
                            return response.status
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 200, count: 6))
                #expect(counters.maxConcurrent <= cap)
                if cap == 2 {
                    #expect(counters.maxConcurrent == 2)
                } else {
                    #expect(counters.maxConcurrent > 2, "without a tight cap the requests do overlap")
                }
            }
        }
    }
}
