import Testing

@testable import SiftProviders

@Suite("Server-sent event parser")
struct ServerSentEventParserTests {
    /// Parses `text` fed in one piece, then finishes.
    func events(_ text: String, finishing: Bool = false) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        var events = try parser.parse(Array(text.utf8))
        if finishing, let last = parser.finish() { events.append(last) }
        return events
    }

    @Test func aBlankLineDispatchesAndDataLinesJoinWithNewlines() throws {
        let parsed = try events("data: first\ndata: second\n\ndata: third\n\n")
        #expect(parsed == [ServerSentEvent(data: "first\nsecond"), ServerSentEvent(data: "third")])
    }

    @Test func commentsRetryAndUnknownFieldsAreIgnored() throws {
        let parsed = try events(": ping\nretry: 3000\nfoo: bar\ndata: x\n\n: another comment\n\n")
        #expect(parsed == [ServerSentEvent(data: "x")])
    }

    @Test func theEventFieldNamesTheTypeAndIdsPersist() throws {
        let parsed = try events("event: error\nid: 7\ndata: {\"error\":1}\n\ndata: next\n\n")
        #expect(parsed == [
            ServerSentEvent(type: "error", data: "{\"error\":1}", id: "7"),
            ServerSentEvent(type: "message", data: "next", id: "7"),
        ])
    }

    @Test func onlyOneSpaceAfterTheColonIsDropped() throws {
        let parsed = try events("data:tight\n\ndata:  two spaces\n\ndata\n\n")
        #expect(parsed.map(\.data) == ["tight", " two spaces", ""])
    }

    @Test func anEventWithoutDataIsNotDispatched() throws {
        #expect(try events("event: ping\n\n\n\nid: 3\n\n").isEmpty)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func everyLineEndIsALineEnd(_ end: String) throws {
        let text = "data: a\(end)data: b\(end)\(end)event: done\(end)data: [DONE]\(end)\(end)"
        #expect(try events(text) == [ServerSentEvent(data: "a\nb"), ServerSentEvent(type: "done", data: "[DONE]")])
    }

    /// A stream with multi-byte UTF-8 (é is 2 bytes, 日本 3 each, 🦀 4), comments, every
    /// line end, split at every byte: the same events as in one piece.
    @Test(arguments: ["\n", "\r\n", "\r"])
    func splittingAtAnyByteChangesNothing(_ end: String) throws {
        let text =
            ": ping\(end)data: {\"content\":\"café 日本 🦀\"}\(end)\(end)event: note\(end)data: two\(end)data: lines\(end)\(end)data: [DONE]\(end)\(end)"
        let bytes = Array(text.utf8)
        let whole = try events(text)
        #expect(whole.count == 3)
        #expect(whole.first?.data == "{\"content\":\"café 日本 🦀\"}")
        for split in 1..<bytes.count {
            var parser = ServerSentEventParser()
            let parsed = try parser.parse(Array(bytes[..<split])) + parser.parse(Array(bytes[split...]))
            #expect(parsed == whole, "split at byte \(split)")
        }
        // And one byte at a time.
        var parser = ServerSentEventParser()
        var parsed: [ServerSentEvent] = []
        for byte in bytes { parsed += try parser.parse([byte]) }
        #expect(parsed == whole)
    }

    @Test func aCarriageReturnEndingOneChunkPairsWithALineFeedStartingTheNext() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.parse(Array("data: a\r".utf8)).isEmpty)
        // The \n completes "\r\n"; it is not a second (blank) line.
        #expect(try parser.parse(Array("\n".utf8)).isEmpty)
        #expect(try parser.parse(Array("data: b\r\n\r\n".utf8)) == [ServerSentEvent(data: "a\nb")])
    }

    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        var parser = ServerSentEventParser()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let parsed = try parser.parse([0xEF]) + parser.parse([0xBB, 0xBF] + Array("data: x\n\n".utf8))
        #expect(parsed == [ServerSentEvent(data: "x")])
        // Only at the start of the stream.
        let later = try parser.parse(bom + Array("data: y\n\n".utf8))
        #expect(later.isEmpty, "a BOM later is part of a field name that is not data")
    }

    @Test func finishIsLenientAboutAMissingBlankLine() throws {
        #expect(try events("data: [DONE]", finishing: true) == [ServerSentEvent(data: "[DONE]")])
        #expect(try events("data: a\ndata: b\n", finishing: true) == [ServerSentEvent(data: "a\nb")])
        #expect(try events("data: a\n\n", finishing: true) == [ServerSentEvent(data: "a")])
        #expect(try events(": only a comment", finishing: true).isEmpty)
    }

    @Test func anEventOverTheLimitThrows() throws {
        var parser = ServerSentEventParser(maxEventBytes: 64)
        // Within the limit, across several lines and chunks.
        #expect(try parser.parse(Array("data: \(String(repeating: "a", count: 20))\n\n".utf8)).count == 1)
        // A line that never ends.
        #expect(throws: ServerSentEventParser.EventTooLarge(limit: 64)) {
            for _ in 0..<10 { _ = try parser.parse(Array(String(repeating: "b", count: 10).utf8)) }
        }
        // Data lines that add up past it.
        var lines = ServerSentEventParser(maxEventBytes: 64)
        #expect(throws: ServerSentEventParser.EventTooLarge.self) {
            for _ in 0..<10 { _ = try lines.parse(Array("data: 0123456789\n".utf8)) }
        }
    }

    @Test func invalidUTF8IsReplacedNotFatal() throws {
        var parser = ServerSentEventParser()
        let parsed = try parser.parse(Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8))
        #expect(parsed == [ServerSentEvent(data: "a\u{FFFD}b")])
    }
}
