#if canImport(Glibc)
import Glibc
#endif
import Logging
import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

/// Runs `body` against a fresh page server on loopback; `base` is `http://127.0.0.1:PORT`.
func withPageServer<Result: Sendable>(
    _ body: @Sendable (_ base: String, _ port: Int, _ counters: PageServer.Counters) async throws -> Result
) async throws -> Result {
    let counters = PageServer.Counters()
    var logger = Logger(label: "sift.replay.pages")
    logger.logLevel = .critical  // the server's shutdown chatter is not the test's business
    return try await withReplayServer(PageServer.router(counters: counters), logger: logger) { port in
        try await body("http://127.0.0.1:\(port)", port, counters)
    }
}

/// Runs `body` with a client, shuts it down after, and checks that every easy handle was freed.
func withClient<Result>(
    _ configuration: HTTPClient.Configuration = .init(),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (HTTPClient) async throws -> Result
) async throws -> Result {
    let client = try HTTPClient(configuration: configuration, logger: Logger(label: "sift.http.test"))
    defer { client.shutdown() }
    let result = try await body(client)
    // Transfers end on the driver thread a moment after the consumer sees the end.
    #expect(await eventually { client.liveTransferCount == 0 }, "easy handles left alive", sourceLocation: sourceLocation)
    return result
}

/// Polls `condition` every 2 ms for up to `timeout`; returns whether it became true.
func eventually(upTo timeout: Duration = .seconds(3), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}

/// A GET request with retries off (most tests want to see one attempt).
func get(_ url: String, _ configure: (inout HTTPRequest) -> Void = { _ in }) -> HTTPRequest {
    var request = HTTPRequest(url: url)
    request.retry = .none
    configure(&request)
    return request
}

extension HTTPResponseBody {
    /// The body as UTF-8 text.
    func text() async throws -> String {
        String(decoding: try await collect(upTo: 16 << 20), as: UTF8.self)
    }
}

/// Runs `body` with a loopback port that refuses connections: a socket is bound to it
/// (so no other test can take it) but never listens.
func withRefusingPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
        }
    }
    try #require(bound)
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}

/// Runs `body` with a loopback port where connecting hangs: a listener with a backlog
/// of one that never accepts, its queue already filled by a connection of ours, so
/// the kernel drops further SYNs.
func withBlackholePort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(listener >= 0 && filler >= 0)
    defer {
        close(filler)
        close(listener)
    }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ready = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(listener, generic, length) == 0 && listen(listener, 0) == 0
                && getsockname(listener, generic, &length) == 0 && connect(filler, generic, length) == 0
        }
    }
    try #require(ready)
    return try await body(Int(UInt16(bigEndian: address.sin_port)))
}
