#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SiftCore
import Synchronization
import Testing
@testable import SiftServer

@Suite("Configuration reload: what changed and what needs a restart")
struct ConfigChangeTests {
    func resolve(_ environment: [String: String]) throws -> SiftdConfiguration {
        try SiftdConfiguration.resolve(
            flags: [:], environment: ["HOME": "/home/t"].merging(environment) { a, _ in a },
            readFile: { _ in nil })
    }

    @Test func namesChangedKeysAndNeverValues() throws {
        let old = try resolve(["SIFT_BRAVE_API_KEY": "secret-one", "SIFT_MAX_SOURCES": "10"])
        let new = try resolve(["SIFT_BRAVE_API_KEY": "secret-two", "SIFT_MAX_SOURCES": "4", "SIFT_LOG_LEVEL": "debug"])
        let changed = ConfigChange.changed(from: old, to: new)
        #expect(changed == ["log_level", "max_sources", "brave_api_key"])
        #expect(!changed.joined().contains("secret"))
        #expect(ConfigChange.changed(from: old, to: old).isEmpty)
    }

    @Test func theLLMDeltaWindowChangesOnReload() throws {
        let llm = ["SIFT_LLM_URL": "http://127.0.0.1:8081/v1", "SIFT_LLM_MODEL": "m"]
        let old = try resolve(llm)
        let new = try resolve(llm.merging(["SIFT_LLM_DELTA_WINDOW_MS": "0"]) { a, _ in a })
        #expect(ConfigChange.changed(from: old, to: new) == ["llm_delta_window_ms"])
        #expect(!ConfigChange.needsRestart.contains("llm_delta_window_ms"))
        #expect(ConfigChange.keepingRestartOnly(new, from: old).llm.deltaWindow == .zero)
    }

    @Test func restartOnlySettingsKeepTheirRunningValues() throws {
        let old = try resolve(["SIFT_LISTEN": "127.0.0.1:8080", "SIFT_MAX_STREAMS": "100", "SIFT_SESSIONS_MAX": "10"])
        let new = try resolve([
            "SIFT_LISTEN": "127.0.0.1:9090", "SIFT_MAX_STREAMS": "5", "SIFT_SESSIONS_MAX": "20", "SIFT_MAX_PASSAGES": "3",
        ])
        let changed = ConfigChange.changed(from: old, to: new)
        #expect(Set(changed.filter(ConfigChange.needsRestart.contains)) == ["listen", "max_streams", "sessions_max"])
        let applied = ConfigChange.keepingRestartOnly(new, from: old)
        #expect(applied.listenPort == 8080)
        #expect(applied.server.maxStreams == 100)
        #expect(applied.sessionsMax == 10)
        #expect(applied.maxPassages == 3)
        // After a reload, only what still differs from the running configuration is reported.
        #expect(ConfigChange.changed(from: applied, to: new).allSatisfy(ConfigChange.needsRestart.contains))
    }
}

@Suite("ReloadableRunner")
struct ReloadableRunnerTests {
    static func runner(answer: String) -> ScriptedRunner {
        ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .delta(.init(text: answer))))
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
    }

    func answer(_ runner: ReloadableRunner, models: [String]? = nil) async throws -> String {
        let prepared = try await runner.prepare(QueryRequest(bytes: Array("q".utf8), models: models))
        let text = Mutex("")
        _ = await runner.run(id: QueryID(), prepared: prepared) { event in
            if case .delta(let delta) = event.payload { text.withLock { $0 += delta.text } }
        }
        return text.withLock { $0 }
    }

    @Test func laterQueriesUseTheReplacement() async throws {
        let runner = ReloadableRunner(Self.runner(answer: "old"), allowedModels: nil)
        #expect(try await answer(runner) == "old")
        runner.replace(with: Self.runner(answer: "new"), allowedModels: nil)
        #expect(try await answer(runner) == "new")
    }

    @Test func aRunningQueryFinishesOnTheRunnerItStartedWith() async throws {
        let gate = AsyncStream<Void>.makeStream()
        let slow = ScriptedRunner { _, emit in
            for await _ in gate.stream { break }
            await emit(PipelineEvent(elapsedMs: 0, payload: .delta(.init(text: "first runner"))))
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
        let runner = ReloadableRunner(slow, allowedModels: nil)
        async let running = answer(runner)
        try await Task.sleep(for: .milliseconds(20))
        runner.replace(with: Self.runner(answer: "second runner"), allowedModels: nil)
        gate.continuation.yield()
        #expect(try await running == "first runner")
        #expect(try await answer(runner) == "second runner")
    }

    @Test func allowedModelsFollowTheReplacement() async throws {
        let runner = ReloadableRunner(Self.runner(answer: "a"), allowedModels: ["small"])
        await #expect(throws: QueryError.self) { _ = try await runner.prepare(QueryRequest(bytes: Array("q".utf8), models: ["big"])) }
        runner.replace(with: Self.runner(answer: "a"), allowedModels: ["small", "big"])
        #expect(try await answer(runner, models: ["big"]) == "a")
    }
}

@Suite("Watchdog health check")
struct HealthCheckTests {
    /// Blocks a thread until `release()`.
    final class Gate: Sendable {
        private let open = Atomic<Bool>(false)
        func wait() { while !open.load(ordering: .acquiring) { usleep(1000) } }
        func release() { open.store(true, ordering: .releasing) }
    }

    @Test func everyEventLoopMustRunATask() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        #expect(await eventLoopsRespond(group, within: .seconds(2)))
        let gate = Gate()
        let loops = Array(group.makeIterator())
        loops[1].execute { gate.wait() }
        #expect(await !eventLoopsRespond(group, within: .milliseconds(200)))
        gate.release()
        #expect(await eventLoopsRespond(group, within: .seconds(2)))
        try await group.shutdownGracefully()
    }

    @Test func aStuckProbeIsUnhealthyAndNotStackedUp() async throws {
        let gate = Gate()
        let calls = Atomic<Int>(0)
        let probe = PipelineProbe {
            calls.add(1, ordering: .relaxed)
            gate.wait()
            return true
        }
        #expect(await !probe.check(within: .milliseconds(100)))
        // Still stuck: reported unhealthy at once, no second search started.
        #expect(await !probe.check(within: .seconds(5)))
        #expect(calls.load(ordering: .relaxed) == 1)
        gate.release()
        // Once the stuck search returns, probes run again.
        var healthy = false
        for _ in 0..<100 where !healthy {
            healthy = await probe.check(within: .seconds(1))
            if !healthy { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(healthy)
    }

    @Test func aFailingSearchIsUnhealthy() async {
        #expect(await !PipelineProbe { false }.check(within: .seconds(1)))
        #expect(await PipelineProbe { true }.check(within: .seconds(1)))
    }

    @Test func healthNeedsBothLoopsAndPipeline() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let logger = Logger(label: "test")
        #expect(await HealthCheck(eventLoops: group, probe: PipelineProbe { true }, logger: logger)())
        #expect(await !HealthCheck(eventLoops: group, probe: PipelineProbe { false }, logger: logger)())
        try await group.shutdownGracefully()
    }
}

@Suite("Serving on a socket passed by systemd")
struct SocketActivatedServerTests {
    /// A bound, listening loopback TCP socket, as systemd passes it, and its port.
    func listeningSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        #expect(bound)
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// One HTTP/1.1 request over a plain socket; returns the whole response. (The read blocks, so it runs on
    /// a Dispatch thread, not the concurrency pool the server's tasks need: ``RawConnection``.)
    func request(port: Int, path: String) async throws -> String {
        let connection = try RawConnection(port: port)
        connection.send("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return await connection.readToEnd()
    }

    @Test func answersOnThePassedSocketAndStopsGracefully() async throws {
        let (fd, port) = try listeningSocket()
        let router = Router(context: SiftRequestContext.self)
        router.get("/hello") { _, _ in "hello from a passed socket" }
        let running = AsyncStream<Void>.makeStream()
        let server = SiftHTTPServer(
            binding: .socket(fd), router: router, serverName: "siftd",
            onServerRunning: { _ in running.continuation.yield() }, logger: Logger(label: "test"))
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in running.stream { break }
            let response = try await request(port: port, path: "/hello")
            #expect(response.hasPrefix("HTTP/1.1 200 OK"))
            #expect(response.contains("Server: siftd"))
            #expect(response.contains("Date: "))
            #expect(response.hasSuffix("hello from a passed socket"))
            #expect(try await request(port: port, path: "/missing").hasPrefix("HTTP/1.1 404"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func dateHeaderIsIMFFixdate() {
        #expect(HTTPDateCache.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDateCache.format(1_795_000_000) == "Wed, 18 Nov 2026 11:06:40 GMT")
    }
}

@Suite("Models a request may name, checked by the runner the routes serve with")
struct AllowedModelsRouteTests {
    @Test func aModelOutsideTheAllowedOnesIsA400OnEveryRoute() async throws {
        let runner = ReloadableRunner(ScriptedRunner.answering(), allowedModels: ["small"])
        let (routes, _, _) = makeRoutes(runner: runner)
        let app = Application(router: routes.router(), services: [routes.queries])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/answer/stream?q=hi&models=big", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("“big” is not offered here"))
            }
            try await client.execute(
                uri: "/v1/answer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"q": "hi", "models": ["big"]}"#)
            ) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/v1/answer?q=hi&models=small", method: .post) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

@Suite("Search controls on the HTTP routes: typed 400s")
struct SearchControlRouteTests {
    @Test(arguments: [
        ("sites=not_a_domain", "is not a domain"), ("freshness=fortnight", "`freshness` must be"),
        ("max_sources=0", "`max_sources` must be"), ("lang=x!", "`lang` must be"),
    ])
    func aMalformedControlIsA400(parameter: String, says: String) async throws {
        let (routes, _, _) = makeRoutes(runner: ScriptedRunner.answering())
        let app = Application(router: routes.router(), services: [routes.queries])
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/answer/stream?q=hi&\(parameter)", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains(says))
            }
            try await client.execute(uri: "/v1/answer?q=hi&\(parameter)", method: .post) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func jsonBodiesCarryTheControlsAsListsOrText() async throws {
        let (routes, _, _) = makeRoutes(runner: ScriptedRunner.answering())
        let app = Application(router: routes.router(), services: [routes.queries])
        try await app.test(.router) { client in
            for body in [#"{"q":"hi","sites":["ok.example","bad site"]}"#, #"{"q":"hi","freshness":"2024-05-01to2024-01-01"}"#] {
                try await client.execute(
                    uri: "/v1/queries", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                    #expect(String(buffer: response.body).contains("bad_request"))
                }
            }
            try await client.execute(
                uri: "/v1/answer", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"q":"hi","sites":"a.example,-b.example","freshness":"week","max_sources":3,"lang":"en"}"#)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
