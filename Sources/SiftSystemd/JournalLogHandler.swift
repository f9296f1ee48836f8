import Logging

/// A `LogHandler` logging natively to journald with structured fields.
///
/// Every record becomes one journal entry with `MESSAGE`, `PRIORITY` (syslog level),
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, `SIFT_LOGGER` (the
/// logger label) and one `SIFT_<KEY>` field per metadata item, so
/// `journalctl -u siftd SIFT_QUERY_ID=ab12` finds a query's records. See
/// ``fields(level:message:metadata:label:identifier:file:function:line:)``.
///
/// If journald cannot be reached, the record is written to standard error as a text
/// line instead of being lost.
public struct JournalLogHandler: LogHandler {
    /// The minimum level this logger emits.
    public var logLevel: Logger.Level
    /// Metadata attached to every record of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Contributes contextual metadata (for example task-local query ids) per record.
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let identifier: String
    private let sink: JournalSink
    private let fallback: LogSink?

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: The logger label, sent as `SIFT_LOGGER`.
    ///   - identifier: `SYSLOG_IDENTIFIER`, what `journalctl -t` filters on.
    ///   - logLevel: The minimum level emitted.
    ///   - sink: Where entries go; journald by default.
    ///   - fallback: Where a text line goes when the sink fails; `nil` drops the record.
    ///   - metadataProvider: Contextual metadata; the bootstrap's provider by default.
    public init(
        label: String,
        identifier: String = "siftd",
        logLevel: Logger.Level = .info,
        sink: JournalSink = .native,
        fallback: LogSink? = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.identifier = identifier
        self.logLevel = logLevel
        self.sink = sink
        self.fallback = fallback
        self.metadataProvider = metadataProvider
    }

    /// Adds, changes or removes one metadata item of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Sends the record to the journal.
    public func log(event: LogEvent) {
        let metadata = LogRecordMetadata.merged(
            handler: self.metadata, provider: self.metadataProvider, event: event.metadata, error: event.error)
        let message = event.message.description
        let fields = Self.fields(
            level: event.level, message: message, metadata: metadata, label: self.label,
            identifier: self.identifier, file: event.file, function: event.function, line: event.line)
        if self.sink.send(fields) < 0, let fallback = self.fallback {
            fallback.write(
                TextLogFormat.format(
                    timestamp: .now(), level: event.level, label: self.label, message: message, metadata: metadata))
        }
    }
}
