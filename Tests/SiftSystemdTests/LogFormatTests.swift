import Glibc
import Logging
import SiftSystemd
import Testing

@Suite struct LogFormatTests {
    @Test(arguments: [
        ("journal", LogFormat.journal), ("TEXT", .text), (" json ", .json), ("auto", .auto),
    ])
    func parsesConfigurationValues(value: String, format: LogFormat) {
        #expect(LogFormat(configurationValue: value) == format)
    }

    @Test func rejectsUnknownValues() {
        #expect(LogFormat(configurationValue: "syslog") == nil)
        #expect(LogFormat(configurationValue: "") == nil)
    }

    @Test func autoPicksJournalOnlyWhenJournalStreamNamesStderr() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove(["stream"]) }
        try directory.write("stream", "")
        let fd = open(directory.path + "/stream", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        var status = stat()
        try #require(fstat(fd, &status) == 0)
        let matching = "\(status.st_dev):\(status.st_ino)"
        let otherInode = "\(status.st_dev):\(status.st_ino + 1)"

        #expect(LogFormat.isJournalStream(matching, fileDescriptor: fd))
        #expect(!LogFormat.isJournalStream(otherInode, fileDescriptor: fd))
        #expect(!LogFormat.isJournalStream("garbage", fileDescriptor: fd))
        #expect(!LogFormat.isJournalStream("1:2:3", fileDescriptor: fd))
        #expect(!LogFormat.isJournalStream(matching, fileDescriptor: -1))

        #expect(LogFormat.auto.resolved(journalStream: matching, standardError: fd) == .journal)
        #expect(LogFormat.auto.resolved(journalStream: otherInode, standardError: fd) == .text)
        #expect(LogFormat.auto.resolved(journalStream: nil, standardError: fd) == .text)
        #expect(LogFormat.json.resolved(journalStream: matching, standardError: fd) == .json)
        #expect(LogFormat.text.resolved(journalStream: matching, standardError: fd) == .text)
        #expect(LogFormat.journal.resolved(journalStream: nil, standardError: fd) == .journal)
    }

    @Test func makesTheMatchingHandler() {
        #expect(LogFormat.journal.makeLogHandler(label: "x") is JournalLogHandler)
        #expect(LogFormat.text.makeLogHandler(label: "x") is TextLogHandler)
        #expect(LogFormat.json.makeLogHandler(label: "x", logLevel: .debug).logLevel == .debug)
        #expect(LogFormat.json.makeLogHandler(label: "x") is JSONLogHandler)
    }
}
