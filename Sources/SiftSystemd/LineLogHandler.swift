import Logging

/// One log record, ready to be formatted as a line.
public struct LogLine: Sendable {
    public var timestamp: LogTimestamp
    public var level: Logger.Level
    public var label: String
    public var message: String
    /// Handler, provider and record metadata merged (see `LogRecordMetadata`).
    public var metadata: Logger.Metadata
    public var file: String
    public var line: UInt
}

/// Turns a record into one line of text, newline included.
public protocol LogLineFormat: Sendable {
    static func line(for record: LogLine) -> String
}

/// A `LogHandler` writing one line per record to a ``LogSink`` (standard error by
/// default), in the layout of `Format`: ``TextLogHandler`` for terminals and plain
/// files, ``JSONLogHandler`` for log shippers.
public struct LineLogHandler<Format: LogLineFormat>: LogHandler {
    /// The minimum level this logger emits.
    public var logLevel: Logger.Level
    /// Metadata attached to every record of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Contributes contextual metadata (for example task-local query ids) per record.
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let sink: LogSink
    private let now: @Sendable () -> LogTimestamp

    /// Creates a handler.
    ///
    /// - Parameters:
    ///   - label: The logger label, written on every line.
    ///   - logLevel: The minimum level emitted.
    ///   - sink: Where lines go; standard error by default.
    ///   - metadataProvider: Contextual metadata; the bootstrap's provider by default.
    ///   - now: The wall clock; injectable for tests.
    public init(
        label: String,
        logLevel: Logger.Level = .info,
        sink: LogSink = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
        now: @escaping @Sendable () -> LogTimestamp = LogTimestamp.now
    ) {
        self.label = label
        self.logLevel = logLevel
        self.sink = sink
        self.metadataProvider = metadataProvider
        self.now = now
    }

    /// Adds, changes or removes one metadata item of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Formats the record and writes it to the sink.
    public func log(event: LogEvent) {
        let metadata = LogRecordMetadata.merged(
            handler: self.metadata, provider: self.metadataProvider, event: event.metadata, error: event.error)
        self.sink.write(
            Format.line(
                for: LogLine(
                    timestamp: self.now(), level: event.level, label: self.label, message: event.message.description,
                    metadata: metadata, file: event.file, line: event.line)))
    }
}

/// One readable line per record: see ``TextLogFormat``.
public typealias TextLogHandler = LineLogHandler<TextLogFormat>
/// One JSON object per line: see ``JSONLogFormat``.
public typealias JSONLogHandler = LineLogHandler<JSONLogFormat>
