import SiftCore
import Synchronization
import Testing

@testable import SiftServer

/// A clock the test moves by hand.
final class HandClock: Sendable {
    let offset = Mutex(Duration.zero)
    func advance(_ by: Duration) { offset.withLock { $0 += by } }
    /// The server clock reading this hand's time; what sleeps on it (a sweep) waits until cancelled.
    var server: ServerClock {
        ServerClock(
            now: { [self] in offset.withLock { $0 } },
            sleep: { _ in
                let (never, keepOpen) = AsyncStream<Void>.makeStream()
                for await _ in never {}
                keepOpen.finish()
                throw CancellationError()
            })
    }
}

@Suite("Sessions")
struct SessionTests {
    func turn(_ question: String, answer: String = "Canberra [1].", sources: Int = 1) -> ConversationTurn {
        ConversationTurn(
            question: question, answer: answer,
            sources: (1...sources).map {
                Source(n: $0, url: "kb://s/\($0)", title: "S\($0)", snippet: "snippet", providers: ["kb"], score: 1)
            },
            passages: [Passage(n: 1, sourceN: 1, score: 1, text: "Canberra is the capital of Australia.")])
    }

    @Test func aSessionBeginsWithItsFirstTurnAndKeepsTheLastOnes() throws {
        let store = SessionStore(limits: .init(maxTurns: 2))
        let id = store.newID()
        #expect(throws: QueryError.sessionNotFound(id)) { try store.history(of: id) }
        for question in ["one", "two", "three"] { store.append(turn(question), to: id) }
        #expect(try store.history(of: id).map(\.question) == ["two", "three"])
        #expect(store.count == 1)
    }

    @Test func anUnknownSessionIsNotFoundAndAnIdleOneExpires() throws {
        let clock = HandClock()
        let store = SessionStore(limits: .init(idleTimeout: .seconds(60)), clock: clock.server)
        #expect(throws: QueryError.sessionNotFound("nope")) { try store.history(of: "nope") }
        let id = store.newID()
        store.append(turn("q"), to: id)
        clock.advance(.seconds(30))
        #expect(try store.history(of: id).count == 1)  // use keeps it alive
        clock.advance(.seconds(59))
        #expect(try store.history(of: id).count == 1)
        clock.advance(.seconds(61))
        do {
            _ = try store.history(of: id)
            Issue.record("an idle session should have expired")
        } catch {
            #expect(error.code == "session_expired")
            #expect(error.httpStatus == 410)
            #expect(error.message.contains("60 seconds"))
        }
        // Still "expired", not "not found", when asked again; its text is freed.
        #expect(throws: QueryError.self) { try store.history(of: id) }
        #expect(store.count == 0)
        #expect(store.bytes == 0)
    }

    @Test func theLeastRecentlyUsedSessionMakesRoomAndSaysSo() throws {
        let clock = HandClock()
        let store = SessionStore(limits: .init(maxSessions: 2), clock: clock.server)
        let first = store.newID()
        store.append(turn("a"), to: first)
        clock.advance(.seconds(1))
        let second = store.newID()
        store.append(turn("b"), to: second)
        clock.advance(.seconds(1))
        _ = try store.history(of: first)  // first is now the more recent
        clock.advance(.seconds(1))
        store.append(turn("c"), to: store.newID())
        #expect(store.count == 2)
        #expect(try store.history(of: first).count == 1)
        do {
            _ = try store.history(of: second)
            Issue.record("the least recently used session should have been evicted")
        } catch {
            #expect(error.code == "session_expired")
            #expect(error.message.contains("keeps 2 sessions"))
        }
    }

    @Test func theTextOfAllSessionsStaysWithinItsBudget() throws {
        let store = SessionStore(limits: .init(maxSessions: 100_000, maxBytes: 1 << 16))
        var ids: [String] = []
        for index in 0..<200 {
            let id = store.newID()
            ids.append(id)
            store.append(turn("question \(index)", answer: String(repeating: "Canberra [1]. ", count: 200)), to: id)
            #expect(store.bytes <= 1 << 16)
        }
        #expect(store.count < 200)
        // The newest survive; the oldest made room.
        #expect(try store.history(of: ids.last!).count == 1)
        #expect(throws: QueryError.self) { try store.history(of: ids.first!) }
    }

    @Test func aTurnIsTrimmedToWhatAFollowUpNeedsCitedSourcesFirst() throws {
        let store = SessionStore(limits: .init(maxAnswerBytes: 20, maxSources: 2, maxPassageBytes: 10))
        let id = store.newID()
        store.append(turn("q", answer: "Canberra is the capital [3] of Australia [1], long answer.", sources: 5), to: id)
        let kept = try #require(try store.history(of: id).first)
        #expect(kept.answer.utf8.count == 20)
        #expect(kept.sources.map(\.n) == [1, 3])
        #expect(kept.passages.map(\.text) == ["Canberra i"])
        // Cuts fall between characters, never inside one.
        #expect(SessionStore.prefix("héllo wörld", bytes: 2) == "h")
        #expect(SessionStore.prefix("héllo wörld", bytes: 3) == "hé")
    }

    @Test func theTurnIsKeptBeforeDoneLeaves() async throws {
        // A client that asks its follow-up the moment the answer ends must find the session.
        let store = SessionStore()
        let runner = SessionRunner(inner: ScriptedRunner.answering(deltas: 1), analyzer: FollowUpAnalyzer(), store: store)
        let prepared = try await runner.prepare(QueryRequest(bytes: Array("capital of australia".utf8)))
        let session = try #require(prepared.context.session)
        let turnsAtDone = LockedValue<Int?>(nil)
        let outcome = await runner.run(id: QueryID(), prepared: prepared) { event in
            if case .done = event.payload {
                let count = (try? store.history(of: session))?.count ?? 0
                turnsAtDone.withLock { $0 = count }
            }
        }
        #expect(outcome == .complete)
        #expect(turnsAtDone.withLock { $0 } == 1)
    }

    @Test func theRunnerGivesEveryQueryASessionAndKeepsCompletedTurns() async throws {
        let store = SessionStore()
        let runner = SessionRunner(inner: ScriptedRunner.answering(deltas: 2), analyzer: FollowUpAnalyzer(), store: store)
        let prepared = try await runner.prepare(QueryRequest(bytes: Array("capital of australia".utf8)))
        let session = try #require(prepared.context.session)
        #expect(prepared.context.history.isEmpty)
        let outcome = await runner.run(id: QueryID(), prepared: prepared) { _ in }
        #expect(outcome == .complete)
        let history = try store.history(of: session)
        #expect(history.count == 1)
        #expect(history[0].question == "capital of australia")
        #expect(history[0].answer == "w0 w1 ")
        #expect(history[0].sources.map(\.n) == [1])

        // A follow-up that refers back is searched with the carried words, and keeps its own wording.
        let followUp = try await runner.prepare(QueryRequest(bytes: Array("its population".utf8), session: session))
        #expect(followUp.context.history.count == 1)
        #expect(followUp.context.carriedTerms == "australia")
        #expect(followUp.context.question == "its population")
        #expect(followUp.query.original == "its population australia")
    }

    @Test func aFailedOrCancelledRunLeavesNoTurn() async throws {
        let store = SessionStore()
        let failing = ScriptedRunner { id, emit in
            await emit(PipelineEvent(elapsedMs: 0, payload: .delta(.init(text: "half"))))
            await emit(PipelineEvent(elapsedMs: 1, payload: .done(.init(outcome: .cancelled))))
            return .cancelled
        }
        let runner = SessionRunner(inner: failing, analyzer: FollowUpAnalyzer(), store: store)
        let prepared = try await runner.prepare(QueryRequest(bytes: Array("q".utf8)))
        _ = await runner.run(id: QueryID(), prepared: prepared) { _ in }
        // The session never began: its id is unknown.
        let session = try #require(prepared.context.session)
        #expect(throws: QueryError.sessionNotFound(session)) { try store.history(of: session) }
    }

    @Test func optionsAreValidatedWithClearErrors() throws {
        let options = try QueryOptions.parse(query: "q=x&session=abc_1&models=a,%20b,a&merge=false")
        #expect(options.session == "abc_1")
        #expect(options.models == ["a", "b"])
        #expect(options.merge == false)
        #expect(try QueryOptions.parse(query: "q=x").models == nil)
        for bad in ["models=a,b,c,d,e", "models=a%20b", "merge=perhaps", "session=no%20spaces"] {
            #expect(throws: QueryError.self) { try QueryOptions.parse(query: bad) }
        }
    }
}

/// Carries the last word of the earlier question when the follow-up says "its".
struct FollowUpAnalyzer: QueryAnalyzing {
    func analyze(_ text: String) throws(QueryError) -> AnalyzedQuery {
        AnalyzedQuery(original: text, normalized: text, kind: .question, terms: text.split(separator: " ").map(String.init))
    }

    func carriedTerms(for followUp: AnalyzedQuery, earlier: [String]) -> String? {
        guard followUp.original.contains("its"), let last = earlier.last?.split(separator: " ").last else { return nil }
        return String(last)
    }
}
