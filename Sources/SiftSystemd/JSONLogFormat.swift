import Logging

/// The line layout of ``JSONLogHandler``: one JSON object per line (`SIFT_LOG=json`), for log shippers
/// and `jq`:
///
///     {"ts":"2026-11-24T21:31:47.123Z","level":"info","logger":"siftd","msg":"query finished","query_id":"ab12","duration_ms":12.3,"file":"SiftServer/Query.swift","line":42}
///
/// Metadata keys become top-level members (`query_id` first, the rest sorted);
/// a key that collides with `ts`, `level`, `logger`, `msg`, `file` or `line` is
/// written as `meta_<key>`. Metadata values that were logged as integers, floating
/// point numbers or booleans are emitted as JSON numbers and booleans, arrays and
/// dictionaries as JSON arrays and objects, everything else as strings.
public enum JSONLogFormat: LogLineFormat {
    /// The line for `record`.
    public static func line(for record: LogLine) -> String {
        format(
            timestamp: record.timestamp, level: record.level, label: record.label, message: record.message,
            metadata: record.metadata, file: record.file, line: record.line)
    }

    private static let reservedKeys: Set<String> = ["ts", "level", "logger", "msg", "file", "line"]

    /// One JSON object, newline included.
    public static func format(
        timestamp: LogTimestamp,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata,
        file: String,
        line: UInt
    ) -> String {
        var json = "{\"ts\":"
        Self.appendString(timestamp.iso8601, to: &json)
        json += ",\"level\":"
        Self.appendString(level.rawValue, to: &json)
        json += ",\"logger\":"
        Self.appendString(label, to: &json)
        json += ",\"msg\":"
        Self.appendString(message, to: &json)
        for key in LogRecordMetadata.orderedKeys(metadata) {
            json += ","
            Self.appendString(Self.reservedKeys.contains(key) ? "meta_" + key : key, to: &json)
            json += ":"
            Self.appendValue(metadata[key]!, to: &json)
        }
        json += ",\"file\":"
        Self.appendString(file, to: &json)
        json += ",\"line\":\(line)}\n"
        return json
    }

    /// Appends `value` as JSON.
    static func appendValue(_ value: Logger.MetadataValue, to json: inout String) {
        switch value {
        case .string(let string):
            Self.appendString(string, to: &json)
        case .stringConvertible(let convertible):
            if let literal = Self.jsonLiteral(convertible) {
                json += literal
            } else {
                Self.appendString(convertible.description, to: &json)
            }
        case .array(let values):
            json += "["
            for (index, element) in values.enumerated() {
                if index > 0 { json += "," }
                Self.appendValue(element, to: &json)
            }
            json += "]"
        case .dictionary(let dictionary):
            json += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { json += "," }
                Self.appendString(key, to: &json)
                json += ":"
                Self.appendValue(dictionary[key]!, to: &json)
            }
            json += "}"
        }
    }

    /// The JSON number or boolean for integers, finite floating point values and
    /// booleans; `nil` for anything else.
    private static func jsonLiteral(_ value: any CustomStringConvertible & Sendable) -> String? {
        switch value {
        case let bool as Bool:
            return bool ? "true" : "false"
        case let integer as any BinaryInteger:
            return integer.description
        case let double as Double:
            return double.isFinite ? double.description : nil
        case let float as Float:
            return float.isFinite ? float.description : nil
        default:
            return nil
        }
    }

    /// Appends `string` as a quoted JSON string (RFC 8259 escaping).
    public static func appendString(_ string: String, to json: inout String) {
        json += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\n": json += "\\n"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case "\u{08}": json += "\\b"
            case "\u{0C}": json += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.utf8.count) + hex
                } else {
                    json.unicodeScalars.append(scalar)
                }
            }
        }
        json += "\""
    }
}
