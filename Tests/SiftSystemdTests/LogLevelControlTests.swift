import Logging
import SiftSystemd
import Synchronization
import Testing

@Suite("LogLevelControl")
struct LogLevelControlTests {
    /// Records what reaches it.
    final class Recorder: Sendable {
        let messages = Mutex<[String]>([])
    }

    struct RecordingHandler: LogHandler {
        let recorder: Recorder
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            recorder.messages.withLock { $0.append("\(event.level):\(event.message)") }
        }
    }

    @Test func everyLoggerFollowsTheControlUnlessPinned() {
        let recorder = Recorder()
        let control = LogLevelControl(.info)
        let logger = Logger(label: "a") { _ in control.handler(RecordingHandler(recorder: recorder)) }
        var pinned = Logger(label: "b") { _ in control.handler(RecordingHandler(recorder: recorder)) }
        pinned.logLevel = .error

        logger.debug("hidden")
        logger.info("shown")
        control.current = .debug
        logger.debug("now shown")
        pinned.warning("pinned hides")
        pinned.error("pinned shows")
        #expect(logger.logLevel == .debug)
        #expect(pinned.logLevel == .error)
        #expect(recorder.messages.withLock { $0 } == ["info:shown", "debug:now shown", "error:pinned shows"])
    }
}
