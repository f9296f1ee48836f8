import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftCore
import Testing

@testable import SiftServer

/// Resumable queries over real loopback HTTP: `POST /v1/queries`, `GET /v1/queries/{id}/events`, `DELETE`.
@Suite("Resumable queries")
struct ResumableQueryTests {
    struct Harness: Sendable {
        let routes: SiftRoutes
        let registry: StreamRegistry
        let metrics: SiftMetrics
        var store: QueryStore { routes.queries.store }

        /// Serves the routes (and runs the query service) on a loopback port for `body`.
        func serve(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
            let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
            try await app.test(.live) { client in try await body(try #require(client.port)) }
        }
    }

    func harness(
        _ runner: any QueryRunning = ScriptedRunner.answering(deltas: 6),
        configuration: SiftServerConfiguration = .init(heartbeat: .seconds(60)), limits: QueryStore.Limits = .init(),
        clock: HandClock? = nil
    ) -> Harness {
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: configuration.maxStreams, metrics: metrics, logger: testLogger())
        let store = QueryStore(limits: limits, metrics: metrics, clock: clock?.server ?? .continuous)
        let routes = SiftRoutes(
            runner: runner, registry: registry, metrics: metrics, configuration: configuration, queryStore: store,
            readiness: { Readiness(ready: true, components: [:]) })
        return Harness(routes: routes, registry: registry, metrics: metrics)
    }

    struct Created: Decodable {
        var id: String
        var events_url: String
        var session: String?
    }

    static func create(_ port: Int, _ body: String = #"{"q":"hello"}"#) async throws -> (RawResponse, Created) {
        let response = try await Loopback.exchange(
            port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/json")], body: body)
        #expect(response.status == 201, "\(response.body)")
        return (response, try JSONDecoder().decode(Created.self, from: Data(response.body.utf8)))
    }

    static func read(
        _ port: Int, _ id: String, lastEventID: String? = nil, query: String = "",
        until enough: @escaping @Sendable (RawResponse) -> Bool = { _ in false }
    ) async throws -> RawResponse {
        try await Loopback.exchange(
            port: port, "GET", "/v1/queries/\(id)/events\(query)",
            headers: lastEventID.map { [("Last-Event-ID", $0)] } ?? [], until: enough)
    }

    static func answer(_ frames: [Frame]) -> String {
        frames.filter { $0.type == "delta" }.map { frame in
            let delta = try? JSONDecoder().decode(DeltaText.self, from: Data(frame.data.utf8))
            return delta?.text ?? ""
        }.joined()
    }

    struct DeltaText: Decodable { var text: String }

    /// Waits (yielding) until `condition` holds; the tests' only way of waiting for another task.
    static func poll(within limit: Duration = .seconds(10), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition() {
            try #require(ContinuousClock.now < deadline, "condition not reached in \(limit)")
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    // MARK: Creating and reading

    @Test func createThenReadTheWholeStream() async throws {
        let harness = harness()
        try await harness.serve { port in
            let (created, body) = try await Self.create(port)
            #expect(created.headers["location"] == "/v1/queries/\(body.id)/events")
            #expect(created.headers["x-request-id"] == body.id)
            #expect(created.headers["content-type"] == "application/json; charset=utf-8")
            #expect(body.events_url == "/v1/queries/\(body.id)/events")
            let events = try await Self.read(port, body.id)
            #expect(events.status == 200)
            #expect(events.headers["content-type"] == "text/event-stream; charset=utf-8")
            #expect(events.headers["cache-control"] == "no-cache")
            #expect(events.headers["x-accel-buffering"] == "no")
            #expect(events.headers["x-request-id"] == body.id)
            let frames = events.frames
            #expect(frames.map(\.id) == Array(1...frames.count))
            #expect(frames.map(\.type) == ["status", "query", "source", "ranked"] + Array(repeating: "delta", count: 6) + ["metrics", "done"])
            #expect(frames.last?.data.contains(#""outcome":"complete""#) == true)
            #expect(frames[1].data.contains(#""id":"\#(body.id)""#))
            #expect(Self.answer(frames) == "w0 w1 w2 w3 w4 w5 ")
        }
        #expect(harness.registry.activeCount == 0)
    }

    @Test func resumingAfterEveryEventGivesExactlyTheRest() async throws {
        let harness = harness()
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let full = try await Self.read(port, body.id).frames
            let answer = Self.answer(full)
            for last in 0...full.count {
                let rest = try await Self.read(port, body.id, lastEventID: "\(last)")
                #expect(rest.status == (last == full.count ? 204 : 200))
                #expect(rest.frames.map(\.id) == Array(full.map(\.id).dropFirst(last)), "after \(last)")
                #expect(rest.frames == Array(full.dropFirst(last)))
                #expect(Self.answer(Array(full.prefix(last))) + Self.answer(rest.frames) == answer)
            }
        }
    }

    @Test func theHeaderWinsOverTheParameter() async throws {
        let harness = harness()
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let byParameter = try await Self.read(port, body.id, query: "?last_event_id=10")
            #expect(byParameter.frames.map(\.id) == [11, 12])
            let both = try await Self.read(port, body.id, lastEventID: "3", query: "?last_event_id=10")
            #expect(both.frames.first?.id == 4)
            #expect(both.frames.count == 9)
            // A blank parameter counts as absent, as a blank header does.
            let blank = try await Self.read(port, body.id, query: "?last_event_id=%20%09")
            #expect(blank.frames.first?.id == 1)
            #expect(blank.frames.count == 12)
        }
    }

    @Test func aFormBodyWorksAndJSONErrorsAreTyped() async throws {
        let harness = harness()
        try await harness.serve { port in
            let form = try await Loopback.exchange(
                port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: "q=what+is+it&merge=false")
            #expect(form.status == 201)
            for (body, code) in [
                (#"{not json"#, "bad_request"), (#"{"question":"x"}"#, "bad_request"), (#"{"q":"  "}"#, "empty_query"),
                (#"{"q":"\#(String(repeating: "x", count: 2500))"}"#, "query_too_long"), ("", "bad_request"),
                (#"{"q":"x","models":["a","b","c","d","e"]}"#, "bad_request"),
            ] {
                let response = try await Loopback.exchange(
                    port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/json")], body: body)
                #expect(response.status == 400, "\(body)")
                #expect(response.body.contains(#""code":"\#(code)""#), "\(body): \(response.body)")
            }
        }
    }

    @Test func sessionsWorkAsOnTheOtherRoutes() async throws {
        let sessions = SessionStore()
        let runner = SessionRunner(inner: ScriptedRunner.answering(), analyzer: FollowUpAnalyzer(), store: sessions)
        let harness = harness(runner)
        try await harness.serve { port in
            let (created, body) = try await Self.create(port)
            let session = try #require(body.session)
            #expect(created.headers["sift-session"] == session)
            let events = try await Self.read(port, body.id)
            #expect(events.headers["sift-session"] == session)
            // The turn is kept once the runner has returned.
            try await Self.poll { harness.store.runningCount == 0 }
            _ = try await Self.create(port, #"{"q":"and its size","session":"\#(session)"}"#)
            let unknown = try await Loopback.exchange(
                port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/json")],
                body: #"{"q":"x","session":"nosuchsession"}"#)
            #expect(unknown.status == 404)
            #expect(unknown.body.contains(#""code":"session_not_found""#))
        }
    }

    // MARK: Several readers, disconnects, queries nobody reads

    @Test func concurrentReadersEachGetEveryEvent() async throws {
        let gate = Gate()
        let harness = harness(ScriptedRunner.paused(deltas: 8, pauseAfter: 3, gate: gate))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            let results = try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for _ in 0..<4 { group.addTask { try await Self.read(port, body.id) } }
                // Every reader is attached and waiting in mid-query before the rest is produced.
                try await Self.poll { log.readerCount == 4 }
                await gate.open()
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 4)
            for result in results {
                #expect(result.frames.map(\.id) == Array(1...10))
                #expect(result.frames.filter { $0.type == "done" }.count == 1)
                #expect(Self.answer(result.frames) == "w0 w1 w2 w3 w4 w5 w6 w7 ")
            }
        }
    }

    @Test func aReaderThatHangsUpDoesNotCancelTheQuery() async throws {
        let gate = Gate()
        let harness = harness(ScriptedRunner.paused(deltas: 6, pauseAfter: 2, gate: gate))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            let partial = try await Self.read(port, body.id) { $0.frames.contains { $0.type == "delta" } }
            #expect(!partial.complete)
            // The server notices the hang-up; the query is still running.
            try await Self.poll { log.readerCount == 0 }
            #expect(!log.isEnded)
            await gate.open()
            try await Self.poll { log.isEnded }
            let last = try #require(partial.frames.last?.id)
            let rest = try await Self.read(port, body.id, lastEventID: "\(last)")
            #expect(rest.frames.first?.id == last + 1)
            #expect(rest.frames.last?.data.contains(#""outcome":"complete""#) == true)
            #expect(Self.answer(partial.frames) + Self.answer(rest.frames) == "w0 w1 w2 w3 w4 w5 ")
        }
        let text = String(decoding: harness.metrics.render(), as: UTF8.self)
        #expect(text.contains(#"sift_streams_dropped_total{reason="disconnected"} 1"#))
    }

    @Test func aQueryNobodyReadsRunsToItsEnd() async throws {
        let harness = harness()
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            try await Self.poll { log.isEnded }
            // Its stream slot is given back once the runner has returned.
            try await Self.poll { harness.registry.activeCount == 0 }
            let events = try await Self.read(port, body.id)
            #expect(events.frames.last?.data.contains(#""outcome":"complete""#) == true)
        }
    }

    // MARK: Cancelling

    @Test func deleteCancelsWithExactlyOneDone() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let harness = harness(ScriptedRunner.untilCancelled(started: startedSignal))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            let log = try harness.store.log(try #require(QueryID(body.id)))
            async let reading = Self.read(port, body.id)
            try await Self.poll { log.readerCount == 1 }
            let deleted = try await Loopback.exchange(port: port, "DELETE", "/v1/queries/\(body.id)")
            #expect(deleted.status == 204)
            let frames = (try await reading).frames
            #expect(frames.map(\.type) == ["status", "delta", "done"])
            #expect(frames.last?.data.contains(#""outcome":"cancelled""#) == true)
            // Deleting again, after the end, changes nothing and says so the same way.
            let again = try await Loopback.exchange(port: port, "DELETE", "/v1/queries/\(body.id)")
            #expect(again.status == 204)
            #expect(try await Self.read(port, body.id).frames == frames)
            let unknown = try await Loopback.exchange(port: port, "DELETE", "/v1/queries/0123456789abcdef")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains(#""code":"query_not_found""#))
        }
        #expect(harness.registry.activeCount == 0)
    }

    @Test func aRunnerThatStopsWithoutDoneStillEndsWithOne() async throws {
        let runner = ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .analyzing, message: "x"))))
            return .cancelled
        }
        let harness = harness(runner)
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let frames = try await Self.read(port, body.id).frames
            #expect(frames.map(\.type) == ["status", "done"])
        }
    }

    // MARK: Errors

    @Test func unknownMalformedAndOutOfRangeRequestsGetTypedErrors() async throws {
        let harness = harness()
        try await harness.serve { port in
            for id in ["0123456789abcdef", "not%20an%20id", String(repeating: "a", count: 80)] {
                let response = try await Self.read(port, id)
                #expect(response.status == 404)
                #expect(response.body.contains(#""code":"query_not_found""#))
                #expect(response.headers["content-type"] == "application/json; charset=utf-8")
            }
            let (_, body) = try await Self.create(port)
            let full = try await Self.read(port, body.id).frames
            for bad in ["abc", "-1", "1.5", "99999999999999999999", "0x10"] {
                let response = try await Self.read(port, body.id, lastEventID: bad)
                #expect(response.status == 400, "\(bad)")
                #expect(response.body.contains(#""code":"bad_last_event_id""#))
            }
            let parameter = try await Self.read(port, body.id, query: "?last_event_id=x")
            #expect(parameter.status == 400)
            // Past the end of a finished query: its last id is the most a reader can have.
            let beyond = try await Self.read(port, body.id, lastEventID: "\(full.count + 1)")
            #expect(beyond.status == 400)
            #expect(beyond.body.contains("its last event is \(full.count)"))
            let atEnd = try await Self.read(port, body.id, lastEventID: "\(full.count)")
            #expect(atEnd.status == 204 && atEnd.body.isEmpty)
            #expect(atEnd.headers["x-request-id"] == body.id)
        }
    }

    @Test func anIdAheadOfARunningQueryIsRefused() async throws {
        let gate = Gate()
        let harness = harness(ScriptedRunner.paused(deltas: 4, pauseAfter: 1, gate: gate))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            try await Self.poll { log.count == 2 }
            let ahead = try await Self.read(port, body.id, lastEventID: "3")
            #expect(ahead.status == 400)
            #expect(ahead.body.contains("has sent 2 events so far"))
            await gate.open()
        }
    }

    @Test func aQueryIsKeptForItsRetentionThenExpires() async throws {
        let clock = HandClock()
        let harness = harness(limits: .init(retention: .seconds(60)), clock: clock)
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let log = try harness.store.log(try #require(QueryID(body.id)))
            try await Self.poll { log.isEnded }
            try await Self.poll { harness.store.runningCount == 0 }
            clock.advance(.seconds(59))
            #expect(try await Self.read(port, body.id).status == 200)
            clock.advance(.seconds(2))
            for method in ["GET", "DELETE"] {
                let path = method == "GET" ? "/v1/queries/\(body.id)/events" : "/v1/queries/\(body.id)"
                let response = try await Loopback.exchange(port: port, method, path)
                #expect(response.status == 410)
                #expect(response.body.contains(#""code":"query_expired""#))
                #expect(response.body.contains("60 seconds"))
            }
            #expect(harness.store.count == 0 && harness.store.bytes == 0)
        }
        let text = String(decoding: harness.metrics.render(), as: UTF8.self)
        #expect(text.contains("sift_queries_retained 0"))
        #expect(text.contains("sift_queries_retained_bytes 0"))
    }

    // MARK: Bounds

    @Test func aQueryThatOutgrowsItsLogEndsWithATypedErrorAndNothingLost() async throws {
        let produced = ManagedCounter()
        let harness = harness(ScriptedRunner.flooding(produced: produced), limits: .init(maxQueryBytes: 4000))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let frames = try await Self.read(port, body.id).frames
            #expect(frames.map(\.id) == Array(1...frames.count))
            #expect(frames.suffix(2).map(\.type) == ["error", "done"])
            #expect(frames[frames.count - 2].data.contains(#""code":"query_log_full""#))
            #expect(frames.last?.data.contains(#""outcome":"failed""#) == true)
            #expect(frames.filter { $0.type == "done" }.count == 1)
            #expect(produced.value < 100_000, "the query must be stopped, not run to its end")
            let log = try harness.store.log(try #require(QueryID(body.id)))
            #expect(log.bytes < 4000 + 600)
            // A reader resuming in the middle still finds every event after its id.
            let rest = try await Self.read(port, body.id, lastEventID: "5")
            #expect(rest.frames == Array(frames.dropFirst(5)))
        }
        #expect(harness.registry.activeCount == 0)
    }

    @Test func finishedQueriesMakeRoomOldestFirst() async throws {
        let harness = harness(limits: .init(maxQueries: 2))
        try await harness.serve { port in
            var ids: [String] = []
            for _ in 0..<3 {
                let (_, body) = try await Self.create(port)
                let log = try harness.store.log(try #require(QueryID(body.id)))
                try await Self.poll { log.isEnded }
                try await Self.poll { harness.store.runningCount == 0 }
                ids.append(body.id)
            }
            let first = try await Self.read(port, ids[0])
            #expect(first.status == 410)
            #expect(first.body.contains("to make room"))
            #expect(try await Self.read(port, ids[1]).status == 200)
            #expect(try await Self.read(port, ids[2]).status == 200)
        }
        let text = String(decoding: harness.metrics.render(), as: UTF8.self)
        #expect(text.contains("sift_queries_retained 2"))
    }

    @Test func runningQueriesTakeStreamSlots() async throws {
        let gate = Gate()
        let harness = harness(
            ScriptedRunner.paused(deltas: 3, pauseAfter: 1, gate: gate),
            configuration: .init(maxStreams: 1, heartbeat: .seconds(60)))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            #expect(harness.registry.activeCount == 1)
            let refused = try await Loopback.exchange(
                port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/json")], body: #"{"q":"x"}"#)
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "2")
            #expect(refused.body.contains(#""code":"overloaded""#))
            let stream = try await Loopback.exchange(port: port, "GET", "/v1/answer/stream?q=x")
            #expect(stream.status == 503)
            // Reading takes no slot.
            let log = try harness.store.log(try #require(QueryID(body.id)))
            async let reading = Self.read(port, body.id)
            try await Self.poll { log.readerCount == 1 }
            await gate.open()
            #expect((try await reading).frames.last?.type == "done")
            try await Self.poll { harness.registry.activeCount == 0 }
        }
    }

    @Test func shutdownEndsRunningQueriesAndTheirReadersWithErrorThenDone() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let harness = harness(ScriptedRunner.untilCancelled(started: startedSignal))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            let log = try harness.store.log(try #require(QueryID(body.id)))
            async let reading = Self.read(port, body.id)
            try await Self.poll { log.readerCount == 1 }
            harness.registry.stopAll(.shutdown)
            let frames = (try await reading).frames
            #expect(frames.map(\.type) == ["status", "delta", "error", "done"])
            #expect(frames[2].data.contains(#""code":"shutting_down""#))
            #expect(frames[3].data.contains(#""outcome":"cancelled""#))
            // A reader that comes later replays the same ending; a new query is refused.
            #expect(try await Self.read(port, body.id).frames == frames)
            let refused = try await Loopback.exchange(
                port: port, "POST", "/v1/queries", headers: [("Content-Type", "application/json")], body: #"{"q":"x"}"#)
            #expect(refused.status == 503)
            #expect(refused.body.contains(#""code":"shutting_down""#))
        }
        #expect(harness.registry.activeCount == 0)
    }

    @Test func heartbeatsFlowWhileAQueryWaits() async throws {
        let gate = Gate()
        let harness = harness(
            ScriptedRunner.paused(deltas: 2, pauseAfter: 1, gate: gate),
            configuration: .init(heartbeat: .milliseconds(5)))
        try await harness.serve { port in
            let (_, body) = try await Self.create(port)
            let partial = try await Self.read(port, body.id) { $0.body.contains(": ping") }
            #expect(partial.body.contains(": ping\n\n"))
            await gate.open()
            let frames = try await Self.read(port, body.id).frames
            #expect(frames.map(\.type) == ["status", "delta", "delta", "done"])
        }
    }
}

@Suite("Query store bounds")
struct QueryStoreTests {
    func finishedLog(_ store: QueryStore, events: Int = 3) throws -> QueryLog {
        let log = QueryLog(id: QueryID(), session: nil, maxBytes: store.limits.maxQueryBytes, store: store)
        try store.admit(log)
        for index in 0..<events { log.record(PipelineEvent(elapsedMs: Double(index), payload: .delta(.init(text: "x")))) }
        log.record(PipelineEvent(elapsedMs: 9, payload: .done(.init(outcome: .complete))))
        log.finish()
        store.finished(log.id)
        return log
    }

    @Test func retentionCountsFromDoneAndEndingsAreRemembered() throws {
        let clock = HandClock()
        let store = QueryStore(limits: .init(retention: .seconds(300)), clock: clock.server)
        let log = try finishedLog(store)
        clock.advance(.seconds(300))
        #expect(try store.log(log.id) === log)
        clock.advance(.seconds(1))
        #expect(throws: QueryError.self) { try store.log(log.id) }
        do {
            _ = try store.log(log.id)
        } catch {
            #expect(error.code == "query_expired" && error.httpStatus == 410)
        }
        #expect(store.count == 0 && store.bytes == 0)
        do {
            _ = try store.log(QueryID())
        } catch {
            #expect(error.code == "query_not_found" && error.httpStatus == 404)
        }
    }

    @Test func runningQueriesAreNeverEvictedAndFullMeansOverloaded() throws {
        let store = QueryStore(limits: .init(maxQueries: 2))
        let finished = try finishedLog(store)
        let running = QueryLog(id: QueryID(), session: nil, maxBytes: 1 << 20, store: store)
        try store.admit(running)
        let second = QueryLog(id: QueryID(), session: nil, maxBytes: 1 << 20, store: store)
        try store.admit(second)  // evicts the finished one
        #expect(throws: QueryError.self) { try store.log(finished.id) }
        #expect(throws: QueryError.overloaded(limit: 2)) {
            try store.admit(QueryLog(id: QueryID(), session: nil, maxBytes: 1 << 20, store: store))
        }
        #expect(store.count == 2 && store.runningCount == 2)
    }

    @Test func theByteBudgetEvictsFinishedQueriesThenEndsTheGrowingOne() throws {
        let store = QueryStore(limits: .init(maxBytes: 3000, maxQueryBytes: 3000))
        let old = try finishedLog(store, events: 5)
        let used = store.bytes
        #expect(used > 0 && used == old.bytes)
        let growing = QueryLog(id: QueryID(), session: nil, maxBytes: store.limits.maxQueryBytes, store: store)
        try store.admit(growing)
        var index = 0
        while !growing.isEnded && index < 1000 {
            growing.record(PipelineEvent(elapsedMs: Double(index), payload: .delta(.init(text: String(repeating: "y", count: 50)))))
            index += 1
        }
        // The finished query went first; then the running one was ended, not trimmed.
        #expect(throws: QueryError.self) { try store.log(old.id) }
        #expect(growing.isEnded)
        let frames = growing.frames(after: 0, limit: 10_000).frames
        #expect(frames.suffix(2).map(\.type) == [.error, .done])
        #expect(store.bytes == growing.bytes)
        #expect(store.bytes <= 3000 + 600)
    }

    @Test func aLogRecordsOneDoneAndNothingAfterAStop() throws {
        let log = QueryLog(id: QueryID(), session: nil, maxBytes: 1 << 20, store: nil)
        log.record(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .analyzing, message: "x"))))
        #expect(log.stop(.cancelled))
        #expect(!log.stop(.shutdown))
        log.record(PipelineEvent(elapsedMs: 1, payload: .delta(.init(text: "late"))))
        log.record(PipelineEvent(elapsedMs: 2, payload: .done(.init(outcome: .cancelled))))
        log.finish()
        log.record(PipelineEvent(elapsedMs: 3, payload: .done(.init(outcome: .complete))))
        #expect(log.frames(after: 0).frames.map(\.type) == [.status, .done])
        #expect(throws: QueryError.self) { try log.check(resumingAfter: 3) }
        try log.check(resumingAfter: 2)
    }
}

extension ScriptedRunner {
    /// status, then `deltas` deltas ("w0 ", "w1 ", …) and done, waiting for `gate` before delta `pauseAfter`.
    static func paused(deltas: Int, pauseAfter: Int, gate: Gate) -> ScriptedRunner {
        ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .synthesizing, message: "x"))))
            for index in 0..<deltas {
                if index == pauseAfter { await gate.wait() }
                await emit(PipelineEvent(elapsedMs: Double(index + 1), payload: .delta(.init(text: "w\(index) "))))
            }
            await emit(PipelineEvent(elapsedMs: 99, payload: .done(.init(outcome: .complete))))
            return .complete
        }
    }

    /// status and one delta, then waits until cancelled, as a long answer would, and ends with done{cancelled}.
    static func untilCancelled(started: AsyncStream<Void>.Continuation) -> ScriptedRunner {
        ScriptedRunner { _, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .status(.init(stage: .synthesizing, message: "x"))))
            await emit(PipelineEvent(elapsedMs: 1, payload: .delta(.init(text: "partial "))))
            started.yield()
            let (silence, keepOpen) = AsyncStream<Void>.makeStream()
            for await _ in silence {}
            keepOpen.finish()
            await emit(PipelineEvent(elapsedMs: 2, payload: .done(.init(outcome: .cancelled))))
            return .cancelled
        }
    }

    /// Deltas until cancelled (at most 100,000), then done.
    static func flooding(produced: ManagedCounter) -> ScriptedRunner {
        ScriptedRunner { _, emit in
            for index in 0..<100_000 {
                if Task.isCancelled {
                    await emit(PipelineEvent(elapsedMs: Double(index), payload: .done(.init(outcome: .cancelled))))
                    return .cancelled
                }
                produced.increment()
                await emit(PipelineEvent(elapsedMs: Double(index), payload: .delta(.init(text: "word\(index) "))))
                await Task.yield()
            }
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .complete))))
            return .complete
        }
    }
}
