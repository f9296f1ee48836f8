/// The command-line flags of siftd's settings, derived from ``ConfigKeys``: every key is
/// `--<flag>` (its file name with dashes), so a key declared once in ``ConfigKeys`` is a
/// flag, an environment variable, a file key, a line of `--help` and a line of a reload
/// report without being named again.
public enum ConfigFlags {
    /// A flag that names no setting, or lacks its value.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The settings given as `--flag value` or `--flag=value`, by key name (`max_streams`).
    /// A flag given twice keeps the last value, as ArgumentParser did.
    public static func parse(_ arguments: [String], keys: [ConfigKey] = ConfigKeys.all) throws(ParseError) -> [String: String] {
        let byFlag = Dictionary(keys.map { ($0.flag, $0) }, uniquingKeysWith: { first, _ in first })
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ParseError(description: "unexpected argument “\(argument)”; settings are given as --flag value (see --help)")
            }
            let body = argument.dropFirst(2)
            let name: Substring
            let value: String
            if let equals = body.firstIndex(of: "=") {
                name = body[..<equals]
                value = String(body[body.index(after: equals)...])
            } else {
                name = body
                guard index < arguments.count else {
                    throw ParseError(description: "--\(name) needs a value")
                }
                value = arguments[index]
                index += 1
            }
            guard let key = byFlag[String(name)] else {
                throw ParseError(description: "unknown option --\(name) (see --help)")
            }
            values[key.name] = value
        }
        return values
    }

    /// The settings part of `siftd --help`: one entry per key, flag first.
    public static func helpText(keys: [ConfigKey] = ConfigKeys.all) -> String {
        var lines = ["SETTINGS (each also an environment variable and a config-file key):"]
        for key in keys {
            lines.append("  --\(key.flag) <value>")
            lines.append("        \(key.helpText)")
        }
        return lines.joined(separator: "\n")
    }
}
