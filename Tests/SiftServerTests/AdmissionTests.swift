import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import SiftCore
import Testing

@testable import SiftServer

/// Admission takes the stream slot before any response head is written: a burst above
/// `SIFT_MAX_STREAMS` hears 429, and every `200` is a whole stream ending with `done`.
@Suite("Admission into the query machine")
struct AdmissionTests {
    @Test(arguments: [false, true])
    func aBurstAboveTheLimitGets503sAndNeverACutStream(eventSource: Bool) async throws {
        let capacity = 4
        let burst = 24
        let gate = Gate()
        let harness = ResumableQueryTests().harness(
            ScriptedRunner.paused(deltas: 3, pauseAfter: 1, gate: gate),
            configuration: .init(maxStreams: capacity, heartbeat: .seconds(60)))
        let refused = ManagedCounter()
        try await harness.serve { port in
            let responses = try await withThrowingTaskGroup(of: RawResponse.self) { group in
                for index in 0..<burst {
                    group.addTask {
                        let response = try await Loopback.exchange(
                            port: port, "GET", "/v1/answer/stream?q=burst+\(index)",
                            headers: eventSource ? [("Accept", "text/event-stream")] : [])
                        if response.status != 200 { refused.increment() }
                        return response
                    }
                }
                // The admitted streams wait in mid-answer until every other request has been answered.
                // The gate opens whatever happens, so a failure fails the test rather than hanging it.
                let allRefused = (try? await ResumableQueryTests.poll { refused.value >= burst - capacity }) != nil
                await gate.open()
                #expect(allRefused, "\(refused.value) of \(burst - capacity) expected refusals")
                var all: [RawResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            let streams = responses.filter { $0.status == 200 }
            let refusals = responses.filter { $0.status != 200 }
            #expect(streams.count == capacity)
            #expect(refusals.count == burst - capacity)
            for response in refusals {
                #expect(response.status == 503)
                #expect(response.headers["retry-after"] == "2")
                #expect(response.body.contains(#""code":"overloaded""#))
            }
            for response in streams {
                #expect(response.complete)
                let types = response.frames.map(\.type)
                #expect(types == ["status", "delta", "delta", "delta", "done"], "\(response.body)")
                #expect(types.filter { $0 == "done" }.count == 1)
            }
            try await ResumableQueryTests.poll { harness.registry.activeCount == 0 }
        }
    }

    /// The handler itself admits: with no response body run at all (nothing written, no task
    /// scheduled), requests beyond the limit are already 503. Were the slot taken in the body,
    /// as before, every one of these would be a 200 whose body then fails.
    @Test func theHandlerAdmitsBeforeAnyResponseBodyRuns() async throws {
        let (routes, registry, _) = makeRoutes(
            runner: ScriptedRunner.answering(), configuration: .init(maxStreams: 2, heartbeat: .seconds(60)))
        let channel = EmbeddedChannel()
        var statuses: [HTTPResponse.Status] = []
        for _ in 0..<6 {
            let context = SiftRequestContext(source: .init(channel: channel, logger: testLogger()))
            let request = Request(
                head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/v1/answer/stream?q=hi"),
                body: RequestBody(buffer: ByteBuffer()))
            statuses.append(await routes.stream(request, context: context).status)
        }
        #expect(statuses == [.ok, .ok, .serviceUnavailable, .serviceUnavailable, .serviceUnavailable, .serviceUnavailable])
        #expect(registry.activeCount == 2)
    }

    /// A full CPU queue refuses with 503 `overloaded` and a Retry-After on every route, before any stream,
    /// and counts it apart from the stream cap. (A scripted runner never asks for its turn, so the query
    /// it runs keeps its place in line until it ends.)
    @Test func aFullCPUQueueRefusesWith503BeforeAnyStream() async throws {
        let gate = Gate()
        var configuration = SiftServerConfiguration(maxStreams: 8, heartbeat: .seconds(60))
        configuration.queryQueue = 1
        let harness = ResumableQueryTests().harness(
            ScriptedRunner.paused(deltas: 2, pauseAfter: 1, gate: gate), configuration: configuration)
        try await harness.serve { port in
            async let first = Loopback.exchange(port: port, "GET", "/v1/answer/stream?q=a")
            let admitted = (try? await ResumableQueryTests.poll { harness.registry.activeCount == 1 }) != nil
            let stream = try? await Loopback.exchange(port: port, "GET", "/v1/answer/stream?q=b")
            let answer = try? await Loopback.exchange(
                port: port, "POST", "/v1/answer", headers: [("Content-Type", "application/json")], body: #"{"q":"b"}"#)
            await gate.open()
            #expect(admitted)
            for refused in [stream, answer] {
                #expect(refused?.status == 503)
                #expect(refused?.body.contains(#""code":"overloaded""#) == true, "\(refused?.body ?? "")")
                #expect(refused?.body.contains("SIFT_QUERY_QUEUE") == true)
                #expect(Int(refused?.headers["retry-after"] ?? "") ?? 0 >= 1)
            }
            let answered = try await first
            #expect(answered.status == 200)
            let metrics = String(decoding: harness.metrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"sift_queries_refused_total{reason="queue_full"} 2"#), "\(metrics)")
            #expect(metrics.contains(#"sift_queries_refused_total{reason="max_streams"} 0"#))
        }
    }

    @Test func theOneShotAnswerTakesASlotToo() async throws {
        let gate = Gate()
        let harness = ResumableQueryTests().harness(
            ScriptedRunner.paused(deltas: 2, pauseAfter: 1, gate: gate),
            configuration: .init(maxStreams: 1, heartbeat: .seconds(60)))
        try await harness.serve { port in
            async let first = Loopback.exchange(
                port: port, "POST", "/v1/answer", headers: [("Content-Type", "application/json")], body: #"{"q":"a"}"#)
            let admitted = (try? await ResumableQueryTests.poll { harness.registry.activeCount == 1 }) != nil
            let second = try? await Loopback.exchange(
                port: port, "POST", "/v1/answer", headers: [("Content-Type", "application/json")], body: #"{"q":"b"}"#)
            await gate.open()  // whatever happened, so that a failure cannot hang the test
            #expect(admitted)
            #expect(second?.status == 503)
            let answered = try await first
            #expect(answered.status == 200)
            #expect(answered.body.contains(#""answer":"w0 w1 ""#), "\(answered.body)")
            #expect(answered.body.contains(#""outcome":"complete""#))
        }
    }
}
