import SiftCore
import Testing

@Suite("Last-Event-ID")
struct LastEventIDTests {
    @Test func theHeaderWinsOverTheParameterAndNeitherMeansZero() throws {
        #expect(try LastEventID.parse(header: "42", parameter: Array("7".utf8)) == 42)
        #expect(try LastEventID.parse(header: nil, parameter: Array("7".utf8)) == 7)
        #expect(try LastEventID.parse(header: nil, parameter: nil) == 0)
    }

    @Test func blankCountsAsAbsentAndSpacesAroundAreDropped() throws {
        #expect(try LastEventID.parse(header: " \t", parameter: Array(" 9\t".utf8)) == 9)
        #expect(try LastEventID.parse(header: "", parameter: Array("  ".utf8)) == 0)
        #expect(try LastEventID.parse(header: "\t 12 ", parameter: nil) == 12)
    }

    @Test(arguments: ["-1", "+1", "1e3", "0x10", "1 2", "9999999999999999999", "١٢", "12\u{0}"])
    func anythingButAWholeNumberIsATypedError(_ text: String) {
        #expect(throws: QueryError.self) { try LastEventID.parse(header: text, parameter: nil) }
        #expect(throws: QueryError.self) { try LastEventID.parse(header: nil, parameter: Array(text.utf8)) }
    }

    @Test func invalidUTF8InTheParameterIsATypedErrorNamingIt() throws {
        do {
            _ = try LastEventID.parse(header: nil, parameter: [0xFF, 0x31])
            Issue.record("no error")
        } catch {
            #expect(error.code == "bad_last_event_id")
            #expect(error.message.contains("\u{FFFD}1"))
        }
    }
}
