import SiftReplay
import Synchronization
import Testing

@_spi(Testing) import SiftHTTPClient

/// The wait for a free connection: measured apart, and a request that never got one says so.
@Suite struct ConnectionWaitTests {
    /// Remembers what a client reports about its pool.
    final class Recorder: HTTPClientObserver {
        private let state = Mutex<(waits: [(String, Duration)], timeouts: [String])>(([], []))

        func connectionWait(pool: String, waited: Duration) {
            state.withLock { $0.waits.append((pool, waited)) }
        }

        func queuedTooLong(pool: String) {
            state.withLock { $0.timeouts.append(pool) }
        }

        var waits: [(String, Duration)] { state.withLock { $0.waits } }
        var timeouts: [String] { state.withLock { $0.timeouts } }
    }

    private func onePerHost(_ recorder: Recorder) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.maxConnectionsPerHost = 1
        configuration.name = "brave"
        configuration.observer = recorder
        return configuration
    }

    @Test func aRequestThatNeverGetsAConnectionFailsSayingSo() async throws {
        try await withPageServer { base, _, counters in
            let recorder = Recorder()
            try await withClient(onePerHost(recorder)) { client in
                // The only connection is busy for 1.5 s; the second request gives up at 300 ms.
                let holder = Task { try await client.execute(get("\(base)/concurrency?ms=1500")).body.text() }
                #expect(await eventually { counters.maxConcurrent == 1 })
                let error = await #expect(throws: HTTPClientError.self) {
                    _ = try await client.execute(get("\(base)/plain") { $0.totalTimeout = .milliseconds(300) })
                }
                #expect(error?.kind == .queuedTooLong)
                let message = error?.message ?? ""
                #expect(message.contains("for a connection to 127.0.0.1"), "\(message)")
                #expect(message.contains("brave pool"), "\(message)")
                #expect(message.contains("at most 1 per host"), "\(message)")
                #expect(!message.contains("resolve"), "never reported as a resolver failure: \(message)")
                let held = try await holder.value
                #expect(held.hasPrefix("max concurrency 1"))
            }
            #expect(recorder.timeouts == ["brave"])
            #expect(counters.maxConcurrent == 1, "the refused request never reached the server")
        }
    }

    @Test func aRequestThatWaitsAndThenGetsTheConnectionSucceeds() async throws {
        try await withPageServer { base, _, counters in
            let recorder = Recorder()
            try await withClient(onePerHost(recorder)) { client in
                let holder = Task { try await client.execute(get("\(base)/concurrency?ms=400")).body.text() }
                #expect(await eventually { counters.maxConcurrent == 1 })
                let response = try await client.execute(get("\(base)/plain") { $0.totalTimeout = .seconds(10) })
                #expect(response.status == 200)
                _ = try await response.body.text()
                _ = try await holder.value
            }
            let waits = recorder.waits
            #expect(waits.count == 2, "one wait reported per attempt")
            #expect(waits.allSatisfy { $0.0 == "brave" })
            #expect(recorder.timeouts.isEmpty)
            // The second request could only start once the first's 400 ms response was over.
            let longest = waits.map(\.1).max() ?? .zero
            #expect(longest >= .milliseconds(200), "the queued request's wait covers the busy connection: \(longest)")
        }
    }

    @Test func aTimeoutOnTheConnectionIsNotAQueueTimeout() async throws {
        try await withPageServer { base, _, _ in
            let recorder = Recorder()
            try await withClient(onePerHost(recorder)) { client in
                let error = await #expect(throws: HTTPClientError.self) {
                    _ = try await client.execute(get("\(base)/slow?ms=2000") { $0.totalTimeout = .milliseconds(300) })
                }
                #expect(error?.kind == .timedOut)
            }
            #expect(recorder.timeouts.isEmpty)
            #expect(recorder.waits.count == 1)
        }
    }
}
