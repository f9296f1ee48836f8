import Logging

/// The line layout of ``TextLogHandler``: one readable line per record, for terminals and plain files:
///
///     2026-11-24T21:31:47.123Z info  siftd: query finished query_id=ab12 outcome=complete duration_ms=12.3
///
/// Timestamp (UTC, milliseconds), level padded to five columns, logger label, message,
/// then metadata as `key=value` (`query_id` first, the rest sorted). Values with spaces,
/// quotes, `=` or control characters are double-quoted and escaped; control characters
/// in the message are escaped, so a record never spans lines.
public enum TextLogFormat: LogLineFormat {
    /// The line for `record`.
    public static func line(for record: LogLine) -> String {
        format(timestamp: record.timestamp, level: record.level, label: record.label, message: record.message, metadata: record.metadata)
    }

    /// One formatted line, newline included.
    public static func format(
        timestamp: LogTimestamp,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> String {
        var line = timestamp.iso8601
        line += " "
        let levelName = level.rawValue
        line += levelName
        if levelName.utf8.count < 5 {
            line += String(repeating: " ", count: 5 - levelName.utf8.count)
        }
        line += " "
        line += label
        line += ": "
        line += Self.escapedMessage(message)
        for key in LogRecordMetadata.orderedKeys(metadata) {
            line += " "
            line += Self.formattedKey(key)
            line += "="
            line += Self.formattedValue("\(metadata[key]!)")
        }
        line += "\n"
        return line
    }

    /// `message` with control characters escaped (`\n`, `\r`, `\t`, `\u{1b}`).
    static func escapedMessage(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: Self.isControl) else { return message }
        var result = ""
        for scalar in message.unicodeScalars {
            Self.appendEscaped(scalar, to: &result)
        }
        return result
    }

    /// A key with spaces, `=` and control characters replaced by `_`.
    static func formattedKey(_ key: String) -> String {
        guard key.unicodeScalars.contains(where: { Self.isControl($0) || $0 == " " || $0 == "=" || $0 == "\"" })
        else { return key.isEmpty ? "_" : key }
        var result = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            let replace = Self.isControl(scalar) || scalar == " " || scalar == "=" || scalar == "\""
            result.append(replace ? "_" : scalar)
        }
        return String(result)
    }

    /// A value as is, or double-quoted and escaped when it is empty or contains a
    /// space, `"`, `=`, `\` or a control character.
    static func formattedValue(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains {
                Self.isControl($0) || $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\"
            }
        guard needsQuotes else { return value }
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: Self.appendEscaped(scalar, to: &result)
            }
        }
        result += "\""
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    private static func appendEscaped(_ scalar: Unicode.Scalar, to result: inout String) {
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        default:
            if Self.isControl(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
}
