import CSystemd
import Glibc
import Logging
import SiftSystemd
import Synchronization
import Testing

@Suite struct JournalLogHandlerTests {
    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorityFollowsSyslogLevels(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.priority(for: level) == priority)
    }

    @Test(arguments: [
        ("query_id", "SIFT_QUERY_ID"),
        ("stage", "SIFT_STAGE"),
        ("provider", "SIFT_PROVIDER"),
        ("duration_ms", "SIFT_DURATION_MS"),
        ("http.status", "SIFT_HTTP_STATUS"),
        ("Content-Type", "SIFT_CONTENT_TYPE"),
        ("9lives", "SIFT_9LIVES"),
        ("_private", "SIFT__PRIVATE"),
        ("größe", "SIFT_GR__E"),
        ("a b=c\n", "SIFT_A_B_C_"),
        ("", "SIFT_"),
    ])
    func metadataKeysBecomeValidFieldNames(key: String, field: String) {
        let name = JournalLogHandler.fieldName(forMetadataKey: key)
        #expect(name == field)
        #expect(JournalField.isValidName(name))
    }

    @Test func longKeysAreCutTo64Bytes() {
        let name = JournalLogHandler.fieldName(forMetadataKey: String(repeating: "k", count: 100))
        #expect(name.utf8.count == 64)
        #expect(name == "SIFT_" + String(repeating: "K", count: 59))
        #expect(JournalField.isValidName(name))
    }

    @Test func fieldNameValidation() {
        #expect(JournalField.isValidName("MESSAGE"))
        #expect(!JournalField.isValidName("_PID"))
        #expect(!JournalField.isValidName("1ABC"))
        #expect(!JournalField.isValidName("lower"))
        #expect(!JournalField.isValidName(""))
        #expect(!JournalField.isValidName(String(repeating: "A", count: 65)))
    }

    @Test func fieldsOfARecord() {
        let fields = JournalLogHandler.fields(
            level: .info,
            message: "query finished",
            metadata: [
                "stage": "answer", "query_id": "ab12", "provider": "kb", "duration_ms": "12.3",
                "sources": ["a", "b"],
            ],
            label: "siftd.server", identifier: "siftd",
            file: "SiftServer/QueryRunning.swift", function: "run(query:)", line: 42)
        #expect(
            fields == [
                JournalField("MESSAGE", "query finished"),
                JournalField("PRIORITY", "6"),
                JournalField("SYSLOG_IDENTIFIER", "siftd"),
                JournalField("CODE_FILE", "SiftServer/QueryRunning.swift"),
                JournalField("CODE_LINE", "42"),
                JournalField("CODE_FUNC", "run(query:)"),
                JournalField("SIFT_LOGGER", "siftd.server"),
                JournalField("SIFT_QUERY_ID", "ab12"),
                JournalField("SIFT_DURATION_MS", "12.3"),
                JournalField("SIFT_PROVIDER", "kb"),
                JournalField("SIFT_SOURCES", #"["a", "b"]"#),
                JournalField("SIFT_STAGE", "answer"),
            ])
    }

    @Test func encodingKeepsNewlinesInValues() {
        #expect(JournalField("MESSAGE", "line one\nline two").encoded == Array("MESSAGE=line one\nline two".utf8))
    }

    @Test func handlerSendsMergedMetadataAndItsOwnCodeLocation() throws {
        let sent = Mutex<[[JournalField]]>([])
        let sink = JournalSink { fields in
            sent.withLock { $0.append(fields) }
            return 0
        }
        var logger = Logger(label: "siftd") { label in
            JournalLogHandler(
                label: label, sink: sink, fallback: nil,
                metadataProvider: .init { ["provider": "from-provider", "stage": "from-provider"] })
        }
        logger[metadataKey: "stage"] = "from-logger"
        logger.logLevel = .debug
        logger.trace("not sent")
        let line = #line + 1
        logger.warning("slow provider", metadata: ["stage": "fetch", "query_id": "q1"])
        struct Boom: Error {}
        logger.error("failed", error: Boom())

        let entries = sent.withLock { $0 }
        try #require(entries.count == 2)
        let fields = Dictionary(entries[0].map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(fields["MESSAGE"] == "slow provider")
        #expect(fields["PRIORITY"] == "4")
        #expect(fields["SYSLOG_IDENTIFIER"] == "siftd")
        #expect(fields["CODE_FILE"] == "SiftSystemdTests/JournalLogHandlerTests.swift")
        #expect(fields["CODE_LINE"] == "\(line)")
        #expect(fields["CODE_FUNC"] == "handlerSendsMergedMetadataAndItsOwnCodeLocation()")
        #expect(fields["SIFT_LOGGER"] == "siftd")
        #expect(fields["SIFT_STAGE"] == "fetch")
        #expect(fields["SIFT_PROVIDER"] == "from-provider")
        #expect(fields["SIFT_QUERY_ID"] == "q1")
        #expect(entries[0].allSatisfy { JournalField.isValidName($0.name) })

        let errorFields = Dictionary(entries[1].map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(errorFields["PRIORITY"] == "3")
        #expect(errorFields["SIFT_ERROR"] == "Boom()")
        #expect(errorFields["SIFT_ERROR_TYPE"]?.hasSuffix("Boom") == true)
    }

    @Test func unreachableJournalFallsBackToText() {
        let lines = LineCollector()
        let logger = Logger(label: "siftd") { label in
            JournalLogHandler(label: label, sink: JournalSink { _ in -ENOENT }, fallback: lines.sink)
        }
        logger.info("still visible", metadata: ["query_id": "q2"])
        #expect(lines.lines.count == 1)
        #expect(lines.lines.first?.hasSuffix(" info  siftd: still visible query_id=q2\n") == true)
    }
}

@Test func iovecsCarryEachEncodedField() {
    let fields = [
        JournalField("MESSAGE", "two\nlines"), JournalField("PRIORITY", "6"), JournalField("SIFT_EMPTY", ""),
        JournalField("SIFT_UNICODE", "größe 🚀"),
    ]
    let received: [[UInt8]] = JournalSink.withIOVecs(for: fields) { vectors in
        vectors.map { vector in
            Array(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len))
        }
    }
    #expect(received == fields.map(\.encoded))
    #expect(JournalSink.withIOVecs(for: []) { $0.count } == 0)
}
