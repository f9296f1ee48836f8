import FoundationEssentials
import Testing

@testable import SiftCore

@Suite("Event wire format")
struct EventCodingTests {
    @Test func payloadFieldsAreFlatWithElapsedAndSnakeCase() throws {
        let event = PipelineEvent(
            elapsedMs: 1.25,
            payload: .metrics(
                .init(
                    firstStatusMs: 0.1, firstSourceMs: 2, firstDeltaMs: nil, totalMs: 3, sources: 1, passages: 2, pages: 0,
                    bytes: 0, tokens: 4)))
        let json = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        #expect(json.contains(#""elapsed_ms":1.25"#))
        #expect(json.contains(#""first_status_ms":0.1"#))
        #expect(!json.contains("firstStatusMs"))
        #expect(!json.contains(#""type""#))
    }

    @Test(arguments: [
        PipelineEvent(elapsedMs: 0.5, payload: .status(.init(stage: .searching, message: "Searching kb", providers: ["kb", "brave"]))),
        PipelineEvent(elapsedMs: 0.6, payload: .status(.init(stage: .ranking, message: "Ranking"))),
        PipelineEvent(elapsedMs: 1, payload: .source(Source(n: 1, url: "kb://x", title: "X", snippet: "s", providers: ["kb"], score: 1))),
        PipelineEvent(elapsedMs: 2, payload: .ranked(.init(passages: [Passage(n: 1, sourceN: 1, score: 0.5, text: "t")]))),
        PipelineEvent(elapsedMs: 3, payload: .delta(.init(text: "Canberra \"quoted\"\n"))),
        PipelineEvent(elapsedMs: 4, payload: .warning(.init(code: "c", message: "m", provider: "kb"))),
        PipelineEvent(elapsedMs: 5, payload: .fetch(.init(n: 1, state: .failed, reason: "timeout"))),
        PipelineEvent(elapsedMs: 6, payload: .done(.init(outcome: .complete))),
    ])
    func roundTripsThroughItsWireType(event: PipelineEvent) throws {
        let data = try JSONEncoder().encode(event)
        #expect(!String(decoding: data, as: UTF8.self).contains("\n"), "one data: line per event")
        struct Wrapper: Decodable {
            let event: PipelineEvent
            init(from decoder: any Decoder) throws {
                let type = decoder.userInfo[CodingUserInfoKey(rawValue: "type")!] as! PipelineEvent.EventType
                event = try PipelineEvent(type: type, from: decoder)
            }
        }
        let decoder = JSONDecoder()
        decoder.userInfo[CodingUserInfoKey(rawValue: "type")!] = event.type
        #expect(try decoder.decode(Wrapper.self, from: data).event == event)
    }

    @Test func errorEventsCarryNoHTTPStatusOnTheWire() throws {
        let event = PipelineEvent(elapsedMs: 0, payload: .error(.init(QueryError.queryTooLong(length: 5000, limit: 2000))))
        let json = String(decoding: try JSONEncoder().encode(event), as: UTF8.self)
        #expect(json.contains(#""code":"query_too_long""#))
        #expect(json.contains(#""retryable":false"#))
        #expect(!json.contains("httpStatus") && !json.contains("http_status"))
    }

    @Test func queryIDsAreSixteenHexAndValidateClientInput() {
        let id = QueryID()
        #expect(id.rawValue.count == 16 && id.rawValue.allSatisfy(\.isHexDigit))
        #expect(QueryID() != QueryID())
        #expect(QueryID("abc-DEF_123") != nil)
        #expect(QueryID("") == nil)
        #expect(QueryID("bad id") == nil)
        #expect(QueryID(String(repeating: "a", count: 65)) == nil)
    }

    @Test func errorsSayTheirRetryability() {
        // Their HTTP statuses are the server's (SiftServerTests: errorsMapToTheirHTTPStatus).
        #expect(!QueryError.emptyQuery.retryable)
        #expect(QueryError.overloaded(limit: 3).retryable)
        #expect(QueryError.shuttingDown.retryable)
        #expect(!QueryError.noSources("x").retryable)
    }
}
