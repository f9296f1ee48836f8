#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftCore
import Synchronization
import Testing

@testable import SiftServer

/// A temporary directory, removed with its files.
private func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array("/tmp/sift-keys-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!).map { String(cString: $0) } }
    let path = try #require(made)
    defer {
        for name in ["api-keys.json", "api-keys.json.lock", "api-keys-activity.json"] { unlink(path + "/" + name) }
        rmdir(path)
    }
    return try await body(path)
}

/// Unix seconds that tests move by hand.
private final class ManualTime: Sendable {
    let seconds: Mutex<Double>
    init(_ start: Double) { seconds = Mutex(start) }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
    var now: @Sendable () -> Double { { self.seconds.withLock { $0 } } }
}

@Suite("API keys: hashing, the key file, limits and budgets")
struct KeyTests {
    @Test func aKeyIsStoredAsTheHexOfItsSHA256() {
        #expect(APIKeys.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(APIKeys.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            APIKeys.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func generatedKeysAreLongRandomAndStoredOnlyAsTheirHash() {
        let keys = (0..<50).map { _ in APIKeys.generate() }
        #expect(Set(keys).count == 50)
        for key in keys {
            #expect(key.hasPrefix("sift_"))
            #expect(key.count == 5 + 43)  // 32 bytes, base64url without padding
            #expect(key.dropFirst(5).allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
        let hash = APIKeys.hash(keys[0])
        #expect(hash.count == 64 && hash != keys[0] && !hash.contains(keys[0]))
        #expect(APIKeys.base64URL([0xfb, 0xff]) == "-_8")
    }

    @Test func namesAndScopesAreChecked() throws {
        try APIKeys.validate(name: "grafana-prod_1.0")
        #expect(throws: APIKeyError.self) { try APIKeys.validate(name: "") }
        #expect(throws: APIKeyError.self) { try APIKeys.validate(name: "a b") }
        #expect(throws: APIKeyError.self) { try APIKeys.validate(name: String(repeating: "x", count: 65)) }
        #expect(try APIScope.parseList("metrics, query").get() == [.query, .metrics])
        #expect((try? APIScope.parseList("query,root").get()) == nil)
        let metricsOnly = APIKeyRecord(name: "m", hash: "", scopes: [.metrics], limits: .init(), created: 0)
        #expect(metricsOnly.allows(.metrics) && !metricsOnly.allows(.query))
        let admin = APIKeyRecord(name: "a", hash: "", scopes: [.admin], limits: .init(), created: 0)
        #expect(admin.allows(.query) && admin.allows(.metrics))
    }

    @Test func theKeyFileKeepsHashesWithMode0600AndRevokes() async throws {
        try await withTemporaryDirectory { directory in
            let file = KeyFile(stateDirectory: directory)
            #expect(try await file.keys().isEmpty)
            let before = file.version()
            let key = APIKeys.generate()
            let record = APIKeyRecord(
                name: "alice", hash: APIKeys.hash(key), scopes: [.query],
                limits: .init(requestsPerMinute: 60, streams: 2, dailyUpstream: 100, dailyTokens: 5000), created: 1_700_000_000)
            try await file.add(record)
            #expect(file.version() != before)
            await #expect(throws: APIKeyError.self) { try await file.add(record) }
            #expect(try await file.keys() == [record])

            var info = stat()
            #expect(stat(file.path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            let text = try TextFile.read(file.path)
            #expect(!text.contains(key))
            #expect(text.contains(record.hash))

            // Another process (a second store on the same directory) sees it; revoking removes it.
            let other = KeyFile(stateDirectory: directory)
            #expect(try await other.keys().map(\.name) == ["alice"])
            #expect(try await other.revoke("alice"))
            #expect(try await other.revoke("alice") == false)
            #expect(try await file.keys().isEmpty)
        }
    }

    /// `siftd keys add` run as root for a service whose state directory belongs to its dynamic user.
    @Test(.enabled(if: geteuid() == 0, "needs root to own files for another user"))
    func rootWritesTheKeyFileForTheDirectorysOwner() async throws {
        try await withTemporaryDirectory { directory in
            #expect(chown(directory, 61_234, 61_234) == 0)
            let file = KeyFile(stateDirectory: directory)
            try await file.add(.init(name: "svc", hash: APIKeys.hash("k"), scopes: [.query], limits: .init(), created: 0))
            for path in [file.path, file.path + ".lock"] {
                var info = stat()
                #expect(stat(path, &info) == 0)
                #expect(info.st_uid == 61_234 && info.st_gid == 61_234, "\(path)")
                #expect(info.st_mode & 0o777 == 0o600)
            }
        }
    }

    @Test func aTokenBucketAllowsABurstThenRefillsOverAMinute() {
        var bucket = TokenBucket(perMinute: 3, now: 1000)
        #expect(bucket.take(perMinute: 3, now: 1000) == nil)
        #expect(bucket.take(perMinute: 3, now: 1000) == nil)
        #expect(bucket.take(perMinute: 3, now: 1000) == nil)
        // Empty: one token comes back every 20 s.
        #expect(bucket.take(perMinute: 3, now: 1000) == 20)
        #expect(bucket.take(perMinute: 3, now: 1015) == 5)
        #expect(bucket.take(perMinute: 3, now: 1020) == nil)
        #expect(bucket.take(perMinute: 3, now: 1020) != nil)
        // A long pause refills to the burst, not beyond.
        for _ in 0..<3 { #expect(bucket.take(perMinute: 3, now: 5000) == nil) }
        #expect(bucket.take(perMinute: 3, now: 5000) != nil)
    }

    @Test func utcDays() {
        #expect(UTCDay.midnight(0) == "1970-01-01T00:00:00Z")
        #expect(UTCDay.midnight(20_000) == "2024-10-04T00:00:00Z")
        #expect(UTCDay.midnight(UTCDay.day(of: 1_709_208_000)) == "2024-02-29T00:00:00Z")
        #expect(UTCDay.secondsToMidnight(from: 86_400 * 5 + 3600) == 82_800)
        #expect(UTCDay.timestamp(1_700_000_000) == "2023-11-14 22:13:20Z")
    }

    @Test func budgetsRunOutAndRollOverAtUTCMidnight() async throws {
        try await withTemporaryDirectory { directory in
            let store = KeyFile(stateDirectory: directory)
            let key = APIKeyRecord(
                name: "bob", hash: APIKeys.hash("k"), scopes: [.query], limits: .init(dailyUpstream: 2, dailyTokens: 100),
                created: 0)
            try await store.add(key)
            // 23:00 UTC.
            let time = ManualTime(Double(20_000 * 86_400 + 23 * 3600))
            let gate = KeyGate(store: store, metrics: nil, logger: testLogger(), now: time.now)
            try await gate.load()
            try gate.checkBudget(key)
            gate.spend("bob", upstream: 1)
            try gate.checkBudget(key)
            gate.spend("bob", upstream: 1)
            do throws(QueryError) {
                try gate.checkBudget(key)
                Issue.record("a spent budget was let through")
            } catch {
                #expect(error.code == "budget_exhausted")
                #expect(error.retryAfter == 3600)
                #expect(error.message.contains("2024-10-05T00:00:00Z"))
                #expect(error.message.contains("daily_upstream"))
            }
            // Tokens are a budget of their own.
            time.advance(3600)  // midnight: a new day
            try gate.checkBudget(key)
            #expect(gate.usage("bob") == KeyUsage())
            gate.spend("bob", tokens: 150)
            #expect(throws: QueryError.self) { try gate.checkBudget(key) }
            // The spending reaches the store too (a moment later), for the day it was spent.
            var stored = try await store.usage(day: 20_001)["bob"]?.tokens
            for _ in 0..<100_000 where stored != 150 {
                await Task.yield()
                stored = try await store.usage(day: 20_001)["bob"]?.tokens
            }
            #expect(stored == 150)
        }
    }

    @Test func streamsAreCappedPerKeyAndReleasedOnce() throws {
        let gate = KeyGate(store: KeyFile(stateDirectory: "/nonexistent"), metrics: nil, logger: testLogger())
        let key = APIKeyRecord(name: "c", hash: "", scopes: [.query], limits: .init(streams: 2), created: 0)
        let first = try gate.acquireStream(key)
        let second = try gate.acquireStream(key)
        #expect(throws: QueryError.self) { try gate.acquireStream(key) }
        first.end()
        first.end()  // twice is once
        #expect(gate.runningStreams("c") == 1)
        let third = try gate.acquireStream(key)
        second.end()
        third.end()
        #expect(gate.runningStreams("c") == 0)
    }

    @Test(arguments: [
        ("/", nil), ("/assets/abc/app.js", nil), ("/healthz", nil), ("/readyz", nil), ("/openapi.json", nil),
        ("/metrics", APIScope.metrics), ("//metrics", .metrics), ("/%6detrics", .metrics), ("/debug/wedge", .admin),
        ("/v1/answer", .query), ("/mcp", .query), ("/v1/chat/completions", .query), ("/healthz/x", .query),
        ("/nowhere", .query),
    ])
    func eachPathNeedsItsScope(path: String, scope: APIScope?) {
        #expect(KeyAuthMiddleware.scope(of: path) == scope)
    }

    @Test func credentialsInTheQueryStringAreFound() {
        #expect(KeyAuthMiddleware.credentialParameter(in: "q=x&api_key=abc") == "api_key")
        #expect(KeyAuthMiddleware.credentialParameter(in: "ACCESS_TOKEN=1") == "ACCESS_TOKEN")
        #expect(KeyAuthMiddleware.credentialParameter(in: "%6bey=1") == "%6bey")
        #expect(KeyAuthMiddleware.credentialParameter(in: "q=my+key&keyboard=1") == nil)
        #expect(KeyAuthMiddleware.bearerToken("Bearer  abc ") == "abc")
        #expect(KeyAuthMiddleware.bearerToken("bearer abc") == "abc")
        #expect(KeyAuthMiddleware.bearerToken("Basic abc") == nil)
        #expect(KeyAuthMiddleware.bearerToken("Bearer ") == nil)
    }

    @Test func routesAskForKeysScopesAndOwnership() async throws {
        try await withTemporaryDirectory { directory in
            let store = KeyFile(stateDirectory: directory)
            let alice = APIKeys.generate()
            let bob = APIKeys.generate()
            let watcher = APIKeys.generate()
            try await store.add(.init(name: "alice", hash: APIKeys.hash(alice), scopes: [.query], limits: .init(requestsPerMinute: 100), created: 0))
            try await store.add(.init(name: "bob", hash: APIKeys.hash(bob), scopes: [.query], limits: .init(), created: 0))
            try await store.add(.init(name: "watcher", hash: APIKeys.hash(watcher), scopes: [.metrics], limits: .init(), created: 0))
            let metrics = SiftMetrics(version: "test")
            let gate = KeyGate(store: store, metrics: metrics, logger: testLogger())
            try await gate.load()
            func makeApp() -> some ApplicationProtocol {
                let registry = StreamRegistry(capacity: 10, metrics: metrics, logger: testLogger())
                let routes = SiftRoutes(
                    runner: ScriptedRunner.answering(), registry: registry, metrics: metrics, configuration: .init(),
                    readiness: { Readiness(ready: true, components: [:]) }, keyGate: gate)
                return Application(router: routes.router(), services: [routes.queries], logger: testLogger())
            }
            let app = makeApp()
            @Sendable func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }
            try await app.test(.live) { client in
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/answer?q=hello", method: .post) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
                    #expect(String(buffer: response.body).contains(#""code":"unauthorized""#))
                }
                // HEAD on an event stream needs the key its GET does, and with it gets the stream's head.
                try await client.execute(uri: "/v1/answer/stream?q=hello", method: .head) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/answer/stream?q=hello", method: .head, headers: bearer(watcher)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/answer/stream?q=hello", method: .head, headers: bearer(bob)) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
                }
                try await client.execute(uri: "/v1/answer?q=hello&api_key=\(alice)", method: .post) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains(#""code":"key_in_url""#))
                }
                try await client.execute(uri: "/v1/answer?q=hello", method: .post, headers: bearer("sift_wrong")) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/v1/answer?q=hello", method: .post, headers: bearer(watcher)) { response in
                    #expect(response.status == .forbidden)
                    #expect(String(buffer: response.body).contains(#""code":"forbidden""#))
                }
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(alice)) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/metrics", method: .get, headers: bearer(watcher)) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#"sift_key_requests_total{key="alice"}"#))
                }
                try await client.execute(uri: "/v1/answer?q=hello", method: .post, headers: bearer(alice)) { #expect($0.status == .ok) }

                // Alice's resumable query: Bob hears that it does not exist, Alice reads it.
                let created = try await client.execute(uri: "/v1/queries?q=hello", method: .post, headers: bearer(alice)) { response in
                    #expect(response.status == .created)
                    return try #require(response.headers[.location])
                }
                try await client.execute(uri: created, method: .get, headers: bearer(bob)) { response in
                    #expect(response.status == .notFound)
                    #expect(String(buffer: response.body).contains(#""code":"query_not_found""#))
                }
                let path = String(created.dropLast("/events".count))
                try await client.execute(uri: path, method: .delete, headers: bearer(bob)) { #expect($0.status == .notFound) }
                try await client.execute(uri: created, method: .get, headers: bearer(alice)) { response in
                    #expect(response.status == .ok)
                    #expect(parseSSE(String(buffer: response.body)).frames.last?.type == "done")
                }
            }
            // Revoked: refused on the next request, without a reload.
            #expect(try await store.revoke("alice"))
            try await makeApp().test(.live) { client in
                try await client.execute(uri: "/v1/answer?q=hello", method: .post, headers: bearer(alice)) {
                    #expect($0.status == .unauthorized)
                }
                try await client.execute(uri: "/v1/answer?q=hello", method: .post, headers: bearer(bob)) { #expect($0.status == .ok) }
            }
        }
    }

    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        try await withTemporaryDirectory { directory in
            let store = KeyFile(stateDirectory: directory)
            let key = APIKeys.generate()
            try await store.add(.init(name: "slow", hash: APIKeys.hash(key), scopes: [.query], limits: .init(requestsPerMinute: 2), created: 0))
            let metrics = SiftMetrics(version: "test")
            let gate = KeyGate(store: store, metrics: metrics, logger: testLogger())
            try await gate.load()
            let registry = StreamRegistry(capacity: 10, metrics: metrics, logger: testLogger())
            let routes = SiftRoutes(
                runner: ScriptedRunner.answering(), registry: registry, metrics: metrics, configuration: .init(),
                readiness: { Readiness(ready: true, components: [:]) }, keyGate: gate)
            let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
            try await app.test(.live) { client in
                let headers: HTTPFields = [.authorization: "Bearer \(key)"]
                for _ in 0..<2 {
                    try await client.execute(uri: "/v1/models", method: .get, headers: headers) { #expect($0.status == .ok) }
                }
                try await client.execute(uri: "/v1/models", method: .get, headers: headers) { response in
                    #expect(response.status == .tooManyRequests)
                    let retry = try #require(response.headers[.retryAfter].flatMap(Int.init))
                    #expect((1...30).contains(retry))
                    #expect(String(buffer: response.body).contains(#""code":"rate_limited""#))
                }
            }
            #expect(String(decoding: metrics.render(), as: UTF8.self).contains(#"sift_key_rejections_total{key="slow",reason="rate_limited"} 1"#))
        }
    }

    @Test func anotherKeysExpiredQueryIsNotFoundNotExpired() async throws {
        try await withTemporaryDirectory { directory in
            let store = KeyFile(stateDirectory: directory)
            let alice = APIKeys.generate()
            let bob = APIKeys.generate()
            try await store.add(.init(name: "alice", hash: APIKeys.hash(alice), scopes: [.query], limits: .init(), created: 0))
            try await store.add(.init(name: "bob", hash: APIKeys.hash(bob), scopes: [.query], limits: .init(), created: 0))
            let metrics = SiftMetrics(version: "test")
            let gate = KeyGate(store: store, metrics: metrics, logger: testLogger())
            try await gate.load()
            let clock = HandClock()
            let queries = QueryStore(limits: .init(retention: .seconds(60)), metrics: metrics, clock: clock.server)
            let routes = SiftRoutes(
                runner: ScriptedRunner.answering(), registry: StreamRegistry(capacity: 10, metrics: metrics, logger: testLogger()),
                metrics: metrics, configuration: .init(), queryStore: queries,
                readiness: { Readiness(ready: true, components: [:]) }, keyGate: gate)
            let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
            try await app.test(.live) { client in
                let port = try #require(client.port)
                func send(_ method: String, _ path: String, _ key: String) async throws -> RawResponse {
                    try await Loopback.exchange(port: port, method, path, headers: [("Authorization", "Bearer \(key)")])
                }
                let created = try await send("POST", "/v1/queries?q=hello", alice)
                #expect(created.status == 201)
                let events = try #require(created.headers["location"])
                #expect(parseSSE(try await send("GET", events, alice).body).frames.last?.type == "done")
                let deadline = ContinuousClock.now + .seconds(10)
                while queries.runningCount > 0 {
                    try #require(ContinuousClock.now < deadline, "the query did not finish")
                    try await Task.sleep(for: .milliseconds(1))
                }
                clock.advance(.seconds(61))
                #expect(try await send("GET", events, alice).status == 410)
                let read = try await send("GET", events, bob)
                #expect(read.status == 404)
                #expect(read.body.contains(#""code":"query_not_found""#))
                #expect(try await send("DELETE", String(events.dropLast("/events".count)), bob).status == 404)
                #expect(try await send("DELETE", String(events.dropLast("/events".count)), alice).status == 410)
            }
        }
    }
}
