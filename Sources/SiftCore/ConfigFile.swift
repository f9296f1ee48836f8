/// A parser for Sift's config file: the flat subset of TOML that a daemon's
/// settings need (`key = value` lines; strings, integers, floats, booleans;
/// `#` comments). Tables and arrays are refused with the line number, so an
/// operator never has a setting silently ignored.
///
/// A TOML library would be the first choice; the one in the package mirror
/// depends on a package the mirror lacks (docs/architecture.md). It lives in SiftCore, apart
/// from the reading of the file (SiftServer), so that its fuzz target (fuzz/) links little.
public struct ConfigFile: Sendable, Equatable {
    /// Values by key, as text (strings unquoted and unescaped).
    public private(set) var values: [String: String] = [:]

    /// A parse error naming the line and what is wrong.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init(values: [String: String] = [:]) { self.values = values }

    /// Parses `text`.
    public init(parsing text: String) throws(ParseError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.configTrimming(" \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                throw ParseError(line: lineNumber, message: "tables ([section]) are not used; write flat keys like listen = \"127.0.0.1:8080\"")
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(line: lineNumber, message: "expected key = value")
            }
            let key = line[..<equals].configTrimming(" \t")
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw ParseError(line: lineNumber, message: "invalid key “\(key)”")
            }
            let rest = line[line.index(after: equals)...].configTrimming(" \t")
            let value = try Self.parseValue(Substring(rest), line: lineNumber)
            if values[key] != nil {
                throw ParseError(line: lineNumber, message: "key “\(key)” is set twice")
            }
            values[key] = value
        }
    }

    private static func parseValue(_ text: Substring, line: Int) throws(ParseError) -> String {
        guard let first = text.first else { throw ParseError(line: line, message: "missing value") }
        switch first {
        case "\"":
            var output = ""
            var index = text.index(after: text.startIndex)
            while index < text.endIndex {
                let character = text[index]
                if character == "\"" {
                    try checkTrailing(text[text.index(after: index)...], line: line)
                    return output
                }
                if character == "\\" {
                    index = text.index(after: index)
                    guard index < text.endIndex else { break }
                    switch text[index] {
                    case "n": output.append("\n")
                    case "t": output.append("\t")
                    case "\\": output.append("\\")
                    case "\"": output.append("\"")
                    default: throw ParseError(line: line, message: "unknown escape \\\(text[index])")
                    }
                } else {
                    output.append(character)
                }
                index = text.index(after: index)
            }
            throw ParseError(line: line, message: "unterminated string")
        case "'":
            let body = text.dropFirst()
            guard let close = body.firstIndex(of: "'") else {
                throw ParseError(line: line, message: "unterminated string")
            }
            try checkTrailing(body[body.index(after: close)...], line: line)
            return String(body[..<close])
        case "[", "{":
            throw ParseError(line: line, message: "arrays and inline tables are not used; write lists as \"a,b,c\"")
        default:
            let bare = text.split(separator: "#", maxSplits: 1).first.map { $0.configTrimming(" \t") } ?? ""
            if bare == "true" || bare == "false" || Int(bare) != nil || Double(bare) != nil { return bare }
            throw ParseError(line: line, message: "value “\(bare)” must be quoted, a number, true or false")
        }
    }

    private static func checkTrailing(_ rest: Substring, line: Int) throws(ParseError) {
        let trimmed = rest.configTrimming(" \t")
        if !trimmed.isEmpty && !trimmed.hasPrefix("#") {
            throw ParseError(line: line, message: "unexpected text after the value")
        }
    }
}

extension StringProtocol {
    /// Drops leading and trailing characters in `set`, by scalars (so a lone `\n` of a `\r\n` matches).
    fileprivate func configTrimming(_ set: String) -> String {
        func member(_ character: Character) -> Bool { character.unicodeScalars.allSatisfy(set.unicodeScalars.contains) }
        var slice = Substring(self)
        while let first = slice.first, member(first) { slice.removeFirst() }
        while let last = slice.last, member(last) { slice.removeLast() }
        return String(slice)
    }
}
