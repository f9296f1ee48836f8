import Logging
import SiftSystemd
import Testing

@Suite struct TextLogHandlerTests {
    static let timestamp = LogTimestamp(seconds: 1_795_555_907, nanoseconds: 123_456_789)

    @Test func timestampIsUTCWithMilliseconds() {
        #expect(Self.timestamp.iso8601 == "2026-11-24T21:31:47.123Z")
        #expect(LogTimestamp(seconds: 0, nanoseconds: 5_000_000).iso8601 == "1970-01-01T00:00:00.005Z")
        #expect(LogTimestamp(seconds: 951_782_400, nanoseconds: 999_999_999).iso8601 == "2000-02-29T00:00:00.999Z")
    }

    @Test func theDocumentedLine() {
        let line = TextLogFormat.format(
            timestamp: Self.timestamp, level: .info, label: "siftd", message: "query finished",
            metadata: ["query_id": "ab12", "outcome": "complete", "duration_ms": .stringConvertible(12.3)])
        #expect(line == "2026-11-24T21:31:47.123Z info  siftd: query finished query_id=ab12 duration_ms=12.3 outcome=complete\n")
    }

    @Test(arguments: [
        (Logger.Level.trace, "trace siftd"), (.debug, "debug siftd"), (.info, "info  siftd"),
        (.notice, "notice siftd"), (.warning, "warning siftd"), (.error, "error siftd"),
        (.critical, "critical siftd"),
    ])
    func levelColumn(level: Logger.Level, expected: String) {
        let line = TextLogFormat.format(
            timestamp: Self.timestamp, level: level, label: "siftd", message: "m", metadata: [:])
        #expect(line == "2026-11-24T21:31:47.123Z \(expected): m\n")
    }

    @Test func oneLinePerRecordWhateverTheContent() {
        let line = TextLogFormat.format(
            timestamp: Self.timestamp, level: .warning, label: "siftd",
            message: "two\nlines\tand \u{1b}[31mred",
            metadata: ["q": "what is \"swift\"?", "path": "C:\\x", "empty": "", "multi": "a\nb", "a=b": "c"])
        #expect(
            line == "2026-11-24T21:31:47.123Z warning siftd: two\\nlines\\tand \\u{1b}[31mred"
                + " a_b=c empty=\"\" multi=\"a\\nb\" path=\"C:\\\\x\" q=\"what is \\\"swift\\\"?\"\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func handlerMergesMetadataAndWritesToTheSink() {
        let lines = LineCollector()
        var logger = Logger(label: "siftd.http") { label in
            TextLogHandler(
                label: label, sink: lines.sink, metadataProvider: .init { ["provider": "p", "stage": "provider"] },
                now: { Self.timestamp })
        }
        logger[metadataKey: "stage"] = "logger"
        logger[metadataKey: "route"] = "/v1/search"
        logger.debug("dropped at the default info level")
        logger.info("request", metadata: ["stage": "call", "query_id": "q9"])
        #expect(
            lines.lines == [
                "2026-11-24T21:31:47.123Z info  siftd.http: request query_id=q9 provider=p route=/v1/search stage=call\n"
            ])
    }

    @Test func handlerHasValueSemantics() {
        let lines = LineCollector()
        var first = Logger(label: "siftd") { TextLogHandler(label: $0, sink: lines.sink) }
        first.logLevel = .debug
        first[metadataKey: "only-on"] = "first"
        var second = first
        second.logLevel = .error
        second[metadataKey: "only-on"] = "second"
        #expect(first.logLevel == .debug)
        #expect(second.logLevel == .error)
        #expect(first[metadataKey: "only-on"] == "first")
        #expect(second[metadataKey: "only-on"] == "second")
    }

    @Test func errorsAreRecorded() {
        let lines = LineCollector()
        let logger = Logger(label: "siftd") { TextLogHandler(label: $0, sink: lines.sink, now: { Self.timestamp }) }
        logger.error("fetch failed", error: ProviderTimeout())
        let line = lines.lines.first ?? ""
        #expect(line.hasPrefix("2026-11-24T21:31:47.123Z error siftd: fetch failed error=\"provider timed out\" error_type="))
        #expect(line.hasSuffix(" error_type=SiftSystemdTests.ProviderTimeout\n"))
    }
}

struct ProviderTimeout: Error, CustomStringConvertible {
    var description: String { "provider timed out" }
}
