import Glibc
import Logging

/// How siftd writes its logs: the value of `SIFT_LOG` (`auto`, `journal`, `text`, `json`).
///
/// `auto` (the default) resolves to `journal` when standard error is connected to the
/// journal, and to `text` otherwise. Detection follows systemd's documented way: the
/// `JOURNAL_STREAM` variable (`<device>:<inode>`) must name the same file as
/// `fstat(2)` of standard error, so a child whose stderr was redirected elsewhere is
/// not fooled by an inherited variable.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `journal` under systemd, `text` elsewhere.
    case auto
    /// Native journald entries with structured fields (``JournalLogHandler``).
    case journal
    /// One readable line per record on standard error (``TextLogHandler``).
    case text
    /// One JSON object per line on standard error (``JSONLogHandler``).
    case json

    /// Parses a configuration value such as `SIFT_LOG=json` (case-insensitive,
    /// surrounding spaces ignored); `nil` for unknown values.
    public init?(configurationValue: String) {
        var value = Substring(configurationValue)
        while value.first == " " { value = value.dropFirst() }
        while value.last == " " { value = value.dropLast() }
        self.init(rawValue: value.lowercased())
    }

    /// The concrete format: ``auto`` resolved against the environment, any other case
    /// unchanged.
    ///
    /// - Parameters:
    ///   - journalStream: The value of `JOURNAL_STREAM`; read from the environment by default.
    ///   - standardError: The descriptor to compare it with; 2 by default.
    public func resolved(
        journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) },
        standardError: Int32 = 2
    ) -> LogFormat {
        guard self == .auto else { return self }
        guard let journalStream, Self.isJournalStream(journalStream, fileDescriptor: standardError) else {
            return .text
        }
        return .journal
    }

    /// Whether `journalStream` (`<device>:<inode>`, decimal, as systemd sets
    /// `JOURNAL_STREAM`) names the file open on `fileDescriptor`.
    public static func isJournalStream(_ journalStream: String, fileDescriptor: Int32) -> Bool {
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// A handler for this format; ``auto`` is resolved first (prefer resolving once in
    /// `main` and bootstrapping with the result).
    ///
    /// - Parameters:
    ///   - label: The logger label.
    ///   - logLevel: The minimum level emitted.
    ///   - metadataProvider: Contextual metadata for every record.
    ///   - identifier: The journal's `SYSLOG_IDENTIFIER`.
    public func makeLogHandler(
        label: String,
        logLevel: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        identifier: String = "siftd"
    ) -> any LogHandler {
        switch self.resolved() {
        case .journal:
            return JournalLogHandler(
                label: label, identifier: identifier, logLevel: logLevel, metadataProvider: metadataProvider)
        case .json:
            return JSONLogHandler(label: label, logLevel: logLevel, metadataProvider: metadataProvider)
        case .text, .auto:
            return TextLogHandler(label: label, logLevel: logLevel, metadataProvider: metadataProvider)
        }
    }
}
