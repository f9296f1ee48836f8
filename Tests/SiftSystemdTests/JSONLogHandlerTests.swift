import Logging
import SiftSystemd
import Testing

@Suite struct JSONLogHandlerTests {
    static let timestamp = LogTimestamp(seconds: 1_795_555_907, nanoseconds: 123_456_789)

    func encoded(_ string: String) -> String {
        var json = ""
        JSONLogFormat.appendString(string, to: &json)
        return json
    }

    @Test func stringEscaping() {
        #expect(encoded("plain") == #""plain""#)
        #expect(encoded(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(encoded("a\nb\rc\td\u{08}e\u{0C}f") == #""a\nb\rc\td\be\ff""#)
        #expect(encoded("\u{0}\u{1}\u{1f}\u{7f}") == "\"\\u0000\\u0001\\u001f\u{7f}\"")
        #expect(encoded("héllo 🚀 </script>") == "\"héllo 🚀 </script>\"")
    }

    @Test func oneObjectPerLine() {
        let line = JSONLogFormat.format(
            timestamp: Self.timestamp, level: .info, label: "siftd", message: "query \"finished\"\nok",
            metadata: [
                "query_id": "ab12", "duration_ms": .stringConvertible(12.3), "results": .stringConvertible(7),
                "cached": .stringConvertible(true), "outcome": "complete", "nan": .stringConvertible(Double.nan),
                "sources": ["kb", .stringConvertible(2)], "extra": ["k": "v", "a": .stringConvertible(1)],
                "msg": "collides", "level": "collides too",
            ],
            file: "SiftServer/Query.swift", line: 42)
        #expect(
            line
                == #"{"ts":"2026-11-24T21:31:47.123Z","level":"info","logger":"siftd","msg":"query \"finished\"\nok","#
                + #""query_id":"ab12","cached":true,"duration_ms":12.3,"extra":{"a":1,"k":"v"},"#
                + #""meta_level":"collides too","meta_msg":"collides","nan":"nan","outcome":"complete","#
                + #""results":7,"sources":["kb",2],"file":"SiftServer/Query.swift","line":42}"# + "\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func handlerWritesToTheSink() {
        let lines = LineCollector()
        let logger = Logger(label: "siftd") { JSONLogHandler(label: $0, sink: lines.sink, now: { Self.timestamp }) }
        let line = #line + 1
        logger.notice("started", metadata: ["listen": "127.0.0.1:8080"])
        #expect(
            lines.lines == [
                #"{"ts":"2026-11-24T21:31:47.123Z","level":"notice","logger":"siftd","msg":"started","#
                    + #""listen":"127.0.0.1:8080","file":"SiftSystemdTests/JSONLogHandlerTests.swift","line":\#(line)}"#
                    + "\n"
            ])
    }
}
