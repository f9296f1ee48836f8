import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct CancellationTests {
    @Test func cancellingTheReaderClosesTheConnection() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                let (reading, readingContinuation) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: HTTPClientError?.self) { group in
                    group.addTask {
                        let response = try await client.execute(get("\(base)/endless"))
                        var chunks = 0
                        do {
                            for try await _ in response.body {
                                chunks += 1
                                if chunks == 3 { readingContinuation.yield() }
                            }
                            return nil
                        } catch let error as HTTPClientError {
                            return error
                        }
                    }
                    for await _ in reading { break }
                    let started = ContinuousClock.now
                    group.cancelAll()
                    let error = try await group.next() ?? nil
                    #expect(error?.kind == .cancelled)
                    #expect(ContinuousClock.now - started < .seconds(1))
                }
                #expect(try await counters.wait { $0.endlessEndedCount == 1 }, "the server saw the client go")
            }
        }
    }

    @Test func cancellingBeforeTheHeadAbortsAtOnce() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                try await withThrowingTaskGroup(of: HTTPClientError?.self) { group in
                    group.addTask {
                        do {
                            _ = try await client.execute(get("\(base)/concurrency?ms=3000"))
                            return nil
                        } catch let error as HTTPClientError {
                            return error
                        }
                    }
                    // Cancel once the server is holding the request. (Cancelling before the
                    // server accepted the connection would leave it to accept during its own
                    // shutdown, which trips a debug assertion in NIO.)
                    #expect(try await counters.wait { $0.concurrent == 1 })
                    let started = ContinuousClock.now
                    group.cancelAll()
                    let error = try await group.next() ?? nil
                    #expect(error?.kind == .cancelled)
                    #expect(ContinuousClock.now - started < .seconds(1))
                }
            }
        }
    }

    @Test func droppingAnUnreadBodyAbortsTheTransfer() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                do {
                    let response = try await client.execute(get("\(base)/endless"))
                    #expect(response.status == 200)
                }
                #expect(await eventually { client.liveTransferCount == 0 })
                #expect(try await counters.wait { $0.endlessEndedCount == 1 }, "the server saw the client go")
            }
        }
    }

    @Test func aCancelledTaskDoesNotStartTheRequest() async throws {
        try await withPageServer { base, _, counters in
            try await withClient { client in
                await withTaskGroup(of: HTTPClientError.Kind?.self) { group in
                    group.cancelAll()
                    group.addTask {
                        do {
                            _ = try await client.execute(get("\(base)/flaky?fail=0&key=never"))
                            return nil
                        } catch let error as HTTPClientError {
                            return error.kind
                        } catch {
                            return .transport
                        }
                    }
                    #expect(await group.next() == .some(.cancelled))
                }
                #expect(counters.flakyAttempts(key: "never") == 0)
            }
        }
    }
}
