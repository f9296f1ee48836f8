#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import SiftCore
import Synchronization
import Testing

@testable import SiftServer

/// A loopback TCP connection for raw HTTP: partial heads, pipelining, what the server closes. Its reads
/// block, so they run on a Dispatch thread: on the concurrency pool they would starve the server's tasks.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        // Reads give up after 60 s, so that a server that never answers fails the test rather than hangs it.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected else { throw ChannelError.connectPending }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Everything until the server closes the connection (or the read times out).
    func readToEnd() async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.blockingReadToEnd()) }
        }
    }

    private func blockingReadToEnd() -> String {
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

}

@Suite("The connection level: timeouts, the cap, parser errors, guards", .serialized)
struct ConnectionLevelTests {
    /// Runs a ``SiftHTTPServer`` on a free loopback port with `limits` and Sift's middleware around `routes`.
    func serve(
        limits: ConnectionLimits, configuration: SiftServerConfiguration = .init(),
        routes: @escaping @Sendable (Router<SiftRequestContext>) -> Void = { _ in },
        _ body: @escaping @Sendable (Int, SiftMetrics) async throws -> Void
    ) async throws {
        let metrics = SiftMetrics(version: "test")
        let router = Router(context: SiftRequestContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable()
        router.middlewares.add(
            RequestMiddleware(metrics: metrics, routes: table, requestGuard: RequestGuard(configuration: configuration)))
        router.middlewares.add(StreamHeadMiddleware())
        router.get("/hello") { _, _ in "hello" }
        router.post("/v1/answer") { request, _ in
            let body = try await request.body.collect(upTo: 1024)
            return "read \(body.readableBytes)"
        }
        router.get("/v1/answer/stream") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/event-stream", .connection: "close"],
                body: .init(byteBuffer: ByteBuffer(string: "event: done\ndata: {}\n\n")))
        }
        routes(router)
        table.set(router.routes.map { (method: $0.method, path: $0.path.description) })
        let port = Mutex(0)
        let (running, continuation) = AsyncStream<Void>.makeStream()
        let server = SiftHTTPServer(
            binding: .hostPort("127.0.0.1", 0), router: router, serverName: "siftd", limits: limits, metrics: metrics,
            onServerRunning: { channel in
                port.withLock { $0 = channel.localAddress?.port ?? 0 }
                continuation.yield()
            }, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in running { break }
            do {
                try await body(port.withLock { $0 }, metrics)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    func rejections(_ metrics: SiftMetrics, _ reason: SiftMetrics.Rejection) -> Bool {
        let prefix = "sift_http_rejections_total{reason=\"\(reason.rawValue)\"} "
        return String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").contains { line in
            line.hasPrefix(prefix) && (Double(line.dropFirst(prefix.count)) ?? 0) >= 1
        }
    }

    @Test func aMalformedRequestGetsATypedJSONErrorWithARequestID() async throws {
        try await serve(limits: .init()) { port, metrics in
            let connection = try RawConnection(port: port)
            connection.send("FROB /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = await connection.readToEnd()
            #expect(response.hasPrefix("HTTP/1.1 400"))
            #expect(response.contains(#""code":"malformed_request""#))
            #expect(response.lowercased().contains("x-request-id: "))
            #expect(response.lowercased().contains("connection: close"))
            #expect(rejections(metrics, .malformedRequest))
        }
    }

    @Test func aHeadOverTheCapIs431() async throws {
        var limits = ConnectionLimits()
        limits.maxHeaderBytes = 1024
        try await serve(limits: limits) { port, metrics in
            let connection = try RawConnection(port: port)
            connection.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "a", count: 4000))\r\n\r\n")
            let response = await connection.readToEnd()
            #expect(response.hasPrefix("HTTP/1.1 431"))
            #expect(response.contains(#""code":"headers_too_large""#))
            #expect(rejections(metrics, .headersTooLarge))
        }
    }

    @Test func aSlowHeadAndAStuckBodyGet408AndAreClosed() async throws {
        var limits = ConnectionLimits()
        limits.headerTimeout = .seconds(1)
        limits.bodyTimeout = .seconds(1)
        try await serve(limits: limits) { port, metrics in
            let slow = try RawConnection(port: port)
            slow.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            let stuck = try RawConnection(port: port)
            stuck.send("POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{")
            for connection in [slow, stuck] {
                let response = await connection.readToEnd()
                #expect(response.hasPrefix("HTTP/1.1 408"), "\(response)")
                #expect(response.contains(#""code":"request_timeout""#))
            }
            #expect(rejections(metrics, .headerTimeout))
            #expect(rejections(metrics, .bodyTimeout))
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterItsAnswer() async throws {
        var limits = ConnectionLimits()
        limits.idleTimeout = .seconds(2)
        try await serve(limits: limits) { port, metrics in
            let connection = try RawConnection(port: port)
            connection.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = await connection.readToEnd()  // ends only because the server closes it
            #expect(response.hasPrefix("HTTP/1.1 200"))
            #expect(response.hasSuffix("hello"))
            #expect(rejections(metrics, .idleTimeout))
        }
    }

    @Test func aStreamBeingWrittenIsNotIdleHoweverLongItLasts() async throws {
        var limits = ConnectionLimits()
        limits.idleTimeout = .seconds(1)
        let routes: @Sendable (Router<SiftRequestContext>) -> Void = { router in
            router.get("/slow") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/event-stream", .connection: "close"],
                    body: .init { writer in
                        // Three times the idle timeout, with a heartbeat between.
                        for beat in 0..<6 {
                            try await writer.write(ByteBuffer(string: ": ping \(beat)\n"))
                            try await Task.sleep(for: .milliseconds(500))
                        }
                        try await writer.write(ByteBuffer(string: "event: done\ndata: {}\n\n"))
                        try await writer.finish(nil)
                    })
            }
        }
        try await serve(limits: limits, routes: routes) { port, metrics in
            let connection = try RawConnection(port: port)
            connection.send("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = await connection.readToEnd()
            #expect(response.contains(": ping 5"))
            #expect(response.contains("event: done"))
            #expect(!rejections(metrics, .idleTimeout))
        }
    }

    @Test func overTheCapTheLongestIdleMakesRoomElse503() async throws {
        var limits = ConnectionLimits()
        limits.maxConnections = 2
        try await serve(limits: limits) { port, metrics in
            // Two idle connections fill the cap; a third takes the place of the first.
            let first = try RawConnection(port: port)
            try await Task.sleep(for: .milliseconds(100))
            let second = try RawConnection(port: port)
            try await Task.sleep(for: .milliseconds(100))
            do {
                let third = try RawConnection(port: port)
                third.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                #expect(await third.readToEnd().hasPrefix("HTTP/1.1 200"))
                #expect(await first.readToEnd().isEmpty)  // closed to make room
                #expect(rejections(metrics, .idleEvicted))
            }
            // Only `second` is left open.
            try await ResumableQueryTests.poll {
                String(decoding: metrics.render(), as: UTF8.self).contains("sift_http_connections_open 1.0\n")
            }
            // Two connections busy sending heads: none is idle, so one more is refused.
            second.send("GET /hello HTTP/1.1\r\n")
            let busy = try RawConnection(port: port)
            busy.send("GET /hello HTTP/1.1\r\n")
            try await Task.sleep(for: .seconds(1))  // time for siftd to read both partial heads
            let refused = try RawConnection(port: port)
            refused.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = await refused.readToEnd()
            #expect(response.hasPrefix("HTTP/1.1 503"), "\(response)")
            #expect(response.contains(#""code":"connection_limit""#))
            #expect(response.lowercased().contains("connection: close"))
            #expect(rejections(metrics, .connectionLimit))
        }
    }

    @Test func aConnectionCloseResponseEndsTheConnectionSoAPipelinedRequestIsNotLeftHanging() async throws {
        try await serve(limits: .init()) { port, _ in
            let connection = try RawConnection(port: port)
            connection.send(
                "GET /v1/answer/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let response = await connection.readToEnd()  // returns: the server closed the connection
            #expect(response.hasPrefix("HTTP/1.1 200"))
            #expect(response.contains("event: done"))
            #expect(!response.contains("hello"))
        }
    }

    @Test func headIsAnsweredWhereGetIsWithoutABody() async throws {
        try await serve(limits: .init()) { port, _ in
            let connection = try RawConnection(port: port)
            connection.send(
                "HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nHEAD /v1/answer/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + "HEAD /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let response = await connection.readToEnd()
            let heads = response.split(separator: "HTTP/1.1 ").map { String($0.prefix(3)) }
            #expect(heads == ["200", "200", "405", "200"], "\(response)")
            #expect(response.lowercased().contains("content-length: 5\r\n"))  // HEAD /hello: GET's length
            #expect(response.contains("text/event-stream"))
            #expect(response.contains("Allow: POST"))
            #expect(response.hasSuffix("\r\n\r\nhello"))  // only the GET has a body
        }
    }

    @Test func foreignHostsOriginsAndContentTypesAreRefusedTyped() async throws {
        try await serve(limits: .init()) { port, metrics in
            func exchange(_ request: String) async throws -> String {
                let connection = try RawConnection(port: port)
                connection.send(request)
                return await connection.readToEnd()
            }
            let rebinding = try await exchange("GET /hello HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
            #expect(rebinding.hasPrefix("HTTP/1.1 421") && rebinding.contains(#""code":"host_not_allowed""#))
            let form = try await exchange(
                "POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nConnection: close\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\nq=x")
            #expect(form.hasPrefix("HTTP/1.1 403") && form.contains(#""code":"origin_not_allowed""#))
            let text = try await exchange(
                "POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nq=x")
            #expect(text.hasPrefix("HTTP/1.1 415") && text.contains(#""code":"unsupported_media_type""#))
            // Spellings of a path that the router reads as the same route get the same checks.
            for path in ["//v1/answer/stream?q=x", "/v1/answer/stream/?q=x", "/v1//answer/stream?q=x"] {
                let stream = try await exchange(
                    "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\nConnection: close\r\n\r\n")
                #expect(stream.hasPrefix("HTTP/1.1 403") && stream.contains(#""code":"origin_not_allowed""#), "\(path)")
            }
            let slashed = try await exchange(
                "POST /v1/answer/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nq=x")
            #expect(slashed.hasPrefix("HTTP/1.1 415"), "\(slashed)")
            let large = try await exchange(
                "POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 999999\r\n\r\n{")
            #expect(large.hasPrefix("HTTP/1.1 413") && large.contains(#""code":"body_too_large""#))
            let own = try await exchange(
                "POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: http://127.0.0.1:8080\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            #expect(own.hasPrefix("HTTP/1.1 200"))
            for reason in [SiftMetrics.Rejection.hostNotAllowed, .originNotAllowed, .unsupportedMediaType, .bodyTooLarge] {
                #expect(rejections(metrics, reason), "\(reason)")
            }
        }
    }
}

@Suite("Host and Origin policies")
struct RequestPolicyTests {
    @Test func defaultHostsAreLoopbackAndTheListenHost() {
        #expect(HostPolicy.defaultNames(listenHost: "127.0.0.1") == ["localhost", "127.0.0.1", "[::1]"])
        #expect(HostPolicy.defaultNames(listenHost: "0.0.0.0") == ["localhost", "127.0.0.1", "[::1]"])
        #expect(HostPolicy.defaultNames(listenHost: "::") == ["localhost", "127.0.0.1", "[::1]"])
        #expect(HostPolicy.defaultNames(listenHost: "sift.lan") == ["localhost", "127.0.0.1", "[::1]", "sift.lan"])
        #expect(HostPolicy.defaultNames(listenHost: "fd00::5") == ["localhost", "127.0.0.1", "[::1]", "[fd00::5]"])
    }

    @Test func hostsAreComparedWithoutPortCaseOrTrailingDot() {
        let names = ["localhost", "127.0.0.1", "[::1]", "sift.example"]
        for allowed in ["localhost:8080", "LOCALHOST", "127.0.0.1:1", "[::1]:8080", "[::1]", "sift.example.", "Sift.Example:443"] {
            #expect(HostPolicy.allows(allowed, names: names), "\(allowed)")
        }
        for refused in ["evil.example", "127.0.0.2", "localhost.evil.example", "sift.example.evil", "[::2]:80", "1.2.3.4:8080"] {
            #expect(!HostPolicy.allows(refused, names: names), "\(refused)")
        }
        #expect(HostPolicy.allows(nil, names: names))
        #expect(HostPolicy.allows("anything", names: nil))
    }

    @Test func originsMustBeTheHostsOwnOrAllowed() {
        #expect(OriginPolicy.allows(origin: "http://127.0.0.1:8080", fetchSite: nil, host: "127.0.0.1:8080", allowed: []))
        #expect(OriginPolicy.allows(origin: "https://sift.example", fetchSite: nil, host: "sift.example", allowed: []))
        #expect(OriginPolicy.allows(origin: "http://localhost", fetchSite: nil, host: "localhost:80", allowed: []))
        #expect(!OriginPolicy.allows(origin: "http://127.0.0.1:9999", fetchSite: nil, host: "127.0.0.1:8080", allowed: []))
        // Behind nginx (`Host $host`) the port is gone: the names must match.
        #expect(OriginPolicy.allows(origin: "http://127.0.0.1:8088", fetchSite: nil, host: "127.0.0.1", allowed: []))
        #expect(OriginPolicy.allows(origin: "https://sift.example:8443", fetchSite: nil, host: "sift.example", allowed: []))
        #expect(!OriginPolicy.allows(origin: "http://evil.example:8088", fetchSite: nil, host: "127.0.0.1", allowed: []))
        #expect(!OriginPolicy.allows(origin: "null", fetchSite: nil, host: "127.0.0.1:8080", allowed: []))
        #expect(!OriginPolicy.allows(origin: "https://evil.example", fetchSite: nil, host: "127.0.0.1", allowed: []))
        #expect(
            OriginPolicy.allows(
                origin: "https://App.Example:443", fetchSite: nil, host: "127.0.0.1", allowed: ["https://app.example"]))
        // No Origin: no browser page, unless Sec-Fetch-Site says another site sent it.
        #expect(OriginPolicy.allows(origin: nil, fetchSite: nil, host: "127.0.0.1", allowed: []))
        #expect(OriginPolicy.allows(origin: nil, fetchSite: "same-origin", host: "127.0.0.1", allowed: []))
        #expect(!OriginPolicy.allows(origin: nil, fetchSite: "cross-site", host: "127.0.0.1", allowed: []))
        #expect(OriginPolicy.normalize(origin: "https://a.example/") == "https://a.example")
        #expect(OriginPolicy.normalize(origin: "ftp://a.example") == nil)
        #expect(OriginPolicy.normalize(origin: "https://a.example/path") == nil)
    }

    @Test func theConnectionKeysResolveWithDefaultsAndRefuseBadValues() throws {
        let defaults = try SiftdConfiguration.resolve(flags: [:], environment: [:], readFile: { _ in nil })
        #expect(defaults.server.connections == ConnectionLimits())
        #expect(defaults.server.allowedHosts == ["localhost", "127.0.0.1", "[::1]"])
        #expect(defaults.shutdownTimeout == .seconds(20))
        let set = try SiftdConfiguration.resolve(
            flags: [:],
            environment: [
                "SIFT_LISTEN": "10.0.0.5:80", "SIFT_HEADER_TIMEOUT_SECONDS": "3", "SIFT_BODY_TIMEOUT_SECONDS": "4",
                "SIFT_IDLE_TIMEOUT_SECONDS": "5", "SIFT_MAX_CONNECTIONS": "100", "SIFT_SHUTDOWN_TIMEOUT_SECONDS": "6",
                "SIFT_ALLOWED_ORIGINS": "https://App.example",
            ], readFile: { _ in nil })
        #expect(set.server.connections.headerTimeout == .seconds(3))
        #expect(set.server.connections.bodyTimeout == .seconds(4))
        #expect(set.server.connections.idleTimeout == .seconds(5))
        #expect(set.server.connections.maxConnections == 100)
        #expect(set.shutdownTimeout == .seconds(6))
        #expect(set.server.allowedHosts == ["localhost", "127.0.0.1", "[::1]", "10.0.0.5"])
        #expect(set.server.allowedOrigins == ["https://app.example"])
        let any = try SiftdConfiguration.resolve(flags: [:], environment: ["SIFT_ALLOWED_HOSTS": "a.example, *"], readFile: { _ in nil })
        #expect(any.server.allowedHosts == nil)
        #expect(throws: ConfigurationError.self) {
            try SiftdConfiguration.resolve(flags: [:], environment: ["SIFT_ALLOWED_ORIGINS": "evil.example"], readFile: { _ in nil })
        }
        #expect(throws: ConfigurationError.self) {
            try SiftdConfiguration.resolve(flags: [:], environment: ["SIFT_HEADER_TIMEOUT_SECONDS": "0"], readFile: { _ in nil })
        }
    }
}

@Suite("Fair retention")
struct FairRetentionTests {
    @Test func aClientAskingALotEvictsItsOwnFinishedQueriesFirst() throws {
        let store = QueryStore(limits: .init(maxQueries: 4))
        func finishedQuery(_ owner: String) throws -> QueryID {
            let log = QueryLog(id: QueryID(), session: nil, maxBytes: 1 << 20, store: store, owner: owner)
            try store.admit(log)
            store.finished(log.id)
            return log.id
        }
        let others = [try finishedQuery("addr:10.0.0.1"), try finishedQuery("addr:10.0.0.2")]
        // One client asks many times: each new query of it pushes out its own older ones.
        var own: [QueryID] = []
        for _ in 0..<10 { own.append(try finishedQuery("addr:10.0.0.66")) }
        for id in others { #expect((try? store.log(id)) != nil, "another client's query was evicted") }
        #expect((try? store.log(own.last!)) != nil)
        #expect(throws: QueryError.self) { try store.log(own.first!) }
        #expect(store.count == 4)
    }

    @Test func aClientAskingALotEndsItsOwnSessionsFirst() throws {
        let store = SessionStore(limits: .init(maxSessions: 4))
        let turn = ConversationTurn(question: "q", answer: "a", sources: [], passages: [])
        store.append(turn, to: "other-1", owner: "addr:10.0.0.1")
        store.append(turn, to: "other-2", owner: "addr:10.0.0.2")
        for index in 0..<20 { store.append(turn, to: "flood-\(index)", owner: "addr:10.0.0.66") }
        #expect((try? store.history(of: "other-1")) != nil)
        #expect((try? store.history(of: "other-2")) != nil)
        #expect((try? store.history(of: "flood-19")) != nil)
        #expect(throws: QueryError.self) { try store.history(of: "flood-0") }
        #expect(store.count == 4)
    }
}

@Suite("Readers of resumable queries are streams")
struct ReaderSlotTests {
    @Test func readersBeyondTheFirstTakeSlotsAndAreRefusedOverTheCap() async throws {
        let gate = Gate()
        let harness = ResumableQueryTests().harness(
            ScriptedRunner.paused(deltas: 3, pauseAfter: 1, gate: gate),
            configuration: .init(maxStreams: 2, heartbeat: .seconds(60)))
        try await harness.serve { port in
            let (_, body) = try await ResumableQueryTests.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            // The first reader shares the running query's slot.
            async let first = ResumableQueryTests.read(port, body.id)
            try await ResumableQueryTests.poll { log.readerCount == 1 }
            #expect(harness.registry.activeCount == 1)
            // The second takes the last slot; a third is refused like any stream over the cap.
            async let second = ResumableQueryTests.read(port, body.id)
            try await ResumableQueryTests.poll { log.readerCount == 2 }
            #expect(harness.registry.activeCount == 2)
            #expect(String(decoding: harness.metrics.render(), as: UTF8.self).contains("sift_streams_active 2"))
            let third = try await Loopback.exchange(port: port, "GET", "/v1/queries/\(body.id)/events")
            #expect(third.status == 503)
            #expect(third.body.contains(#""code":"overloaded""#))
            await gate.open()
            #expect((try await first).frames.last?.type == "done")
            #expect((try await second).frames.last?.type == "done")
            // Every slot comes back once the readers are gone.
            try await ResumableQueryTests.poll { harness.registry.activeCount == 0 }
        }
    }
}
