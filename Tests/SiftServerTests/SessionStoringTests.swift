import SiftCore
import Testing

@testable import SiftServer

/// A session backend that is not the memory one: an actor that records each call, as a
/// shared store would be called over the network.
actor RecordingSessions: SessionStoring {
    private(set) var calls: [String] = []
    private var turns: [String: [ConversationTurn]] = [:]

    nonisolated func newID() -> String { "s-\(QueryID().rawValue)" }

    func history(of session: String) async throws(QueryError) -> [ConversationTurn] {
        calls.append("history \(session)")
        guard let kept = turns[session] else { throw QueryError.sessionNotFound(session) }
        return kept
    }

    func append(_ turn: ConversationTurn, to session: String) async {
        calls.append("append \(session)")
        turns[session, default: []].append(turn)
    }

    var count: Int { turns.count }
}

@Suite("Sessions behind the store interface")
struct SessionStoringTests {
    @Test func theRunnerKeepsAndReadsTurnsOnlyThroughTheInterface() async throws {
        let sessions = RecordingSessions()
        let runner = SessionRunner(inner: ScriptedRunner.answering(deltas: 2), analyzer: FollowUpAnalyzer(), store: sessions)
        let first = try await runner.prepare(QueryRequest(bytes: Array("capital of australia".utf8)))
        let session = try #require(first.context.session)
        #expect(await runner.run(id: QueryID(), prepared: first) { _ in } == .complete)
        let followUp = try await runner.prepare(QueryRequest(bytes: Array("its population".utf8), session: session))
        #expect(followUp.context.history.map(\.answer) == ["w0 w1 "])
        #expect(followUp.context.carriedTerms == "australia")
        #expect(await sessions.calls == ["append \(session)", "history \(session)"])
        #expect(await sessions.count == 1)
    }

    @Test func anUnknownSessionIsRefusedBeforeAnythingRuns() async {
        let runner = SessionRunner(inner: ScriptedRunner.answering(), analyzer: FollowUpAnalyzer(), store: RecordingSessions())
        await #expect(throws: QueryError.sessionNotFound("nope")) {
            try await runner.prepare(QueryRequest(bytes: Array("q".utf8), session: "nope"))
        }
    }
}
