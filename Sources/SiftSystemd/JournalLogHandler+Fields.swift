import Logging

extension JournalLogHandler {
    /// The journal fields of one record, in order: `MESSAGE`, `PRIORITY`,
    /// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, `SIFT_LOGGER`, then one
    /// field per metadata item (named by ``fieldName(forMetadataKey:)``, `query_id` first,
    /// the rest sorted by key).
    ///
    /// Pure: no I/O, so the mapping can be tested without a journal.
    public static func fields(
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        label: String,
        identifier: String,
        file: String,
        function: String,
        line: UInt
    ) -> [JournalField] {
        var fields: [JournalField] = [
            JournalField("MESSAGE", message),
            JournalField("PRIORITY", String(Self.priority(for: level))),
            JournalField("SYSLOG_IDENTIFIER", identifier),
            JournalField("CODE_FILE", file),
            JournalField("CODE_LINE", String(line)),
            JournalField("CODE_FUNC", function),
            JournalField("SIFT_LOGGER", label),
        ]
        fields.reserveCapacity(fields.count + metadata.count)
        for key in LogRecordMetadata.orderedKeys(metadata) {
            fields.append(JournalField(Self.fieldName(forMetadataKey: key), "\(metadata[key]!)"))
        }
        return fields
    }

    /// The syslog priority journald stores in `PRIORITY` for a swift-log level:
    /// critical 2 (crit), error 3 (err), warning 4, notice 5, info 6, debug and trace 7.
    public static func priority(for level: Logger.Level) -> Int {
        switch level {
        case .critical: return 2
        case .error: return 3
        case .warning: return 4
        case .notice: return 5
        case .info: return 6
        case .debug, .trace: return 7
        }
    }

    /// The journal field name for a metadata key: `SIFT_` plus the key in upper case,
    /// every character outside `A-Z 0-9 _` replaced by `_`, cut to 64 bytes
    /// (`query_id` becomes `SIFT_QUERY_ID`, `http.status` becomes `SIFT_HTTP_STATUS`).
    public static func fieldName(forMetadataKey key: String) -> String {
        var name = "SIFT_"
        for scalar in key.unicodeScalars {
            guard name.utf8.count < 64 else { break }
            switch scalar {
            case "a"..."z":
                name.unicodeScalars.append(Unicode.Scalar(scalar.value - 0x20)!)
            case "A"..."Z", "0"..."9", "_":
                name.unicodeScalars.append(scalar)
            default:
                name += "_"
            }
        }
        return name
    }
}
