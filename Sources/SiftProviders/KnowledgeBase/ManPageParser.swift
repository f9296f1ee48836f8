import SiftText

/// Turns a man page's groff source (man or mdoc macros, or pod2man output) into a
/// ``ReadableDocument``: section headings, paragraphs, tagged paragraphs (`.TP`, `.IP`,
/// `.It`) as paragraphs that start with their tag, `.nf`/`.EX` and tables as preformatted
/// text. Macro definitions, conditionals, comments, font and size changes and other
/// escapes are removed; special characters (`\(em`, `\[aq]`, `\-`) become their text.
struct ManPageParser {
    /// What a page says about itself.
    struct Page: Sendable, Equatable {
        /// The page name ("tcp").
        var name: String
        /// The section ("7").
        var section: String
        /// The one-line description from the NAME section ("TCP protocol"), when found.
        var summary: String?
        var document: ReadableDocument
    }

    /// Parses `source`; `name` and `section` come from the file name when `.TH` lacks them.
    static func parse(_ source: String, name: String, section: String) -> Page {
        var parser = ManPageParser(name: name, section: section)
        var pending = ""
        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            // A trailing backslash continues the line.
            if endsWithContinuation(line) {
                pending += line.dropLast()
                continue
            }
            if !pending.isEmpty {
                parser.handle(Substring(pending + line))
                pending = ""
            } else {
                parser.handle(line)
            }
        }
        if !pending.isEmpty { parser.handle(Substring(pending)) }
        parser.flush()
        return parser.page()
    }

    private var name: String
    private var section: String
    private var blocks: [ReadableDocument.Block] = []
    private var paragraph: [String] = []
    private var preformatted = false
    private var inTable = false
    private var tableFormatDone = false
    private var tableSeparator: Character = "\t"
    private var skipUntilDotDot = false
    private var conditionalDepth = 0
    private var pendingHeadingLevel: Int?
    private var pendingTag = false
    private var summary: String?
    private var currentHeading = ""

    private init(name: String, section: String) {
        self.name = name
        self.section = section
    }

    private static func endsWithContinuation(_ line: Substring) -> Bool {
        var count = 0
        var index = line.endIndex
        while index > line.startIndex {
            index = line.index(before: index)
            if line[index] == "\\" { count += 1 } else { break }
        }
        return count % 2 == 1
    }

    private func page() -> Page {
        let title = "\(name)(\(section))"
        return Page(
            name: name, section: section, summary: summary,
            document: ReadableDocument(title: title, blocks: blocks))
    }

    private mutating func handle(_ line: Substring) {
        if skipUntilDotDot {
            if line.hasPrefix("..") { skipUntilDotDot = false }
            return
        }
        if conditionalDepth > 0 {
            conditionalDepth += braceBalance(line)
            if conditionalDepth < 0 { conditionalDepth = 0 }
            return
        }
        if let first = line.first, first == "." || first == "'" {
            request(line.dropFirst())
            return
        }
        text(line)
    }

    private mutating func text(_ line: Substring) {
        if inTable {
            if !tableFormatDone {
                // Options ("tab(:);") then formats, the last ending with a period.
                if let open = line.firstRange(of: "tab("), open.upperBound < line.endIndex {
                    tableSeparator = line[open.upperBound]
                }
                if line.hasSuffix(".") { tableFormatDone = true }
                return
            }
            let row = ManPageParser.unescape(line)
                .replacing("T{", with: "").replacing("T}", with: "")
                .split(separator: tableSeparator).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
            if !row.isEmpty { paragraph.append(row.joined(separator: " | ")) }
            return
        }
        if preformatted {
            paragraph.append(ManPageParser.unescape(line))
            return
        }
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
            flush()
            return
        }
        let value = ManPageParser.unescape(line)
        if let level = pendingHeadingLevel {
            pendingHeadingLevel = nil
            heading(value, level: level)
            return
        }
        pendingTag = false
        paragraph.append(value)
    }

    private mutating func request(_ body: Substring) {
        let trimmed = body.drop(while: { $0 == " " || $0 == "\t" })
        if trimmed.hasPrefix("\\\"") || trimmed.hasPrefix("\\#") || trimmed.isEmpty { return }
        let macro = String(trimmed.prefix(while: { $0 != " " && $0 != "\t" }))
        let rest = trimmed.dropFirst(macro.count).drop(while: { $0 == " " || $0 == "\t" })
        let arguments = ManPageParser.arguments(rest)
        switch macro {
        case "TH", "Dt":
            if let first = arguments.first, !first.isEmpty, name.isEmpty { name = first.lowercased() }
            if arguments.count > 1, section.isEmpty { section = arguments[1] }
        case "SH", "Sh":
            flush()
            if arguments.isEmpty { pendingHeadingLevel = 2 } else { heading(arguments.joined(separator: " "), level: 2) }
        case "SS", "Ss":
            flush()
            if arguments.isEmpty { pendingHeadingLevel = 3 } else { heading(arguments.joined(separator: " "), level: 3) }
        case "PP", "P", "LP", "Pp", "Lp", "sp", "HP", "Sp", "ns":
            if preformatted { paragraph.append("") } else { flush() }
        case "br":
            if !preformatted && !pendingTag { flush() }
        case "IP", "It":
            flush()
            let tag = arguments.first.map { ManPageParser.unescape(Substring($0)) } ?? ""
            if !tag.isEmpty, tag != "•", tag != "*", tag != "-" { paragraph.append(tag) }
        case "TP":
            flush()
            pendingTag = true
        case "B", "I", "SM", "SB", "R", "Sy", "Em", "Ar", "Fl", "Cm", "Pa", "Va", "Ev", "Ic", "Li", "Dv", "Er",
            "Fn", "Ft", "Fa", "Ql", "Dq", "Sq", "Pq", "Op", "Aq", "Ad", "Ms", "St", "An", "Lk", "Mt", "Tn", "UR",
            "MT", "Dl", "D1", "Vt", "Ot", "Cd", "Xo", "Xc":
            appendInline(arguments.joined(separator: " "))
        case "BR", "IR", "RB", "RI", "BI", "IB":
            appendInline(arguments.joined())
        case "Xr":
            if arguments.count >= 2 {
                appendInline("\(arguments[0])(\(arguments[1]))" + arguments.dropFirst(2).joined())
            } else {
                appendInline(arguments.joined(separator: " "))
            }
        case "Nm":
            appendInline(arguments.isEmpty ? name : arguments.joined(separator: " "))
        case "Nd":
            appendInline("- " + arguments.joined(separator: " "))
        case "UE", "ME":
            if !arguments.isEmpty, var last = paragraph.popLast() {
                last += arguments.joined()
                paragraph.append(last)
            }
        case "nf", "EX", "Vb", "Bd":
            flush()
            preformatted = true
        case "fi", "EE", "Ve", "Ed":
            flush()
            preformatted = false
        case "TS":
            flush()
            inTable = true
            tableFormatDone = false
            tableSeparator = "\t"
        case "TE":
            flush()
            inTable = false
        case "de", "de1", "am", "ig", "ds1":
            skipUntilDotDot = macro != "ds1"
        case "ie", "if", "el", "while":
            conditionalDepth = max(0, braceBalance(rest))
        default:
            // Requests that only change layout (and anything unknown without text) are dropped;
            // an unknown macro with arguments most likely carries text.
            if ignoredRequests.contains(macro) || macro.hasPrefix("\\") { return }
            if !arguments.isEmpty, macro.count <= 3, macro.first?.isUppercase == true {
                appendInline(arguments.joined(separator: " "))
            }
        }
    }

    private mutating func appendInline(_ value: String) {
        let value = ManPageParser.unescape(Substring(value))
        guard !value.isEmpty else { return }
        if let level = pendingHeadingLevel {
            pendingHeadingLevel = nil
            heading(value, level: level)
            return
        }
        pendingTag = false
        paragraph.append(value)
    }

    private mutating func heading(_ text: String, level: Int) {
        flush()
        let value = ManPageParser.unescape(Substring(text)).trimmingSpaces()
        guard !value.isEmpty else { return }
        currentHeading = value
        blocks.append(.init(kind: .heading(level: level), text: value))
    }

    mutating func flush() {
        defer { paragraph.removeAll() }
        guard !paragraph.isEmpty else { return }
        if preformatted || inTable {
            var lines = paragraph.map { line -> String in
                var line = Substring(line)
                while line.last == " " { line = line.dropLast() }
                return String(line)
            }
            while lines.first?.isEmpty == true { lines.removeFirst() }
            while lines.last?.isEmpty == true { lines.removeLast() }
            if !lines.isEmpty { blocks.append(.init(kind: .preformatted, text: lines.joined(separator: "\n"))) }
            return
        }
        let text = paragraph.joined(separator: " ").collapsingSpaces()
        guard !text.isEmpty else { return }
        if summary == nil, currentHeading.uppercased() == "NAME" {
            // "tcp - TCP protocol"
            for separator in [" - ", " — ", " – "] {
                if let range = text.firstRange(of: separator) {
                    summary = String(text[range.upperBound...]).trimmingSpaces()
                    break
                }
            }
        }
        blocks.append(.init(kind: .paragraph, text: text))
    }

    private func braceBalance(_ line: Substring) -> Int {
        var balance = 0
        var previous: Character = " "
        for character in line {
            if previous == "\\" {
                if character == "{" { balance += 1 } else if character == "}" { balance -= 1 }
                previous = " "
                continue
            }
            previous = character
        }
        return balance
    }

    /// Splits macro arguments at spaces, honoring double quotes (`""` is a literal quote).
    static func arguments(_ text: Substring) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        var started = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            if character == "\\", next < text.endIndex {
                if text[next] == "\"" && !quoted { break }  // A comment.
                current.append(character)
                current.append(text[next])
                started = true
                index = text.index(after: next)
                continue
            }
            if quoted {
                if character == "\"" {
                    if next < text.endIndex, text[next] == "\"" {
                        current.append("\"")
                        index = text.index(after: next)
                        continue
                    }
                    quoted = false
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" {
                if started { result.append(current) }
                current = ""
                started = false
            } else if character == "\"" && !started {
                quoted = true
                started = true
            } else {
                current.append(character)
                started = true
            }
            index = next
        }
        if started { result.append(current) }
        return result
    }

    /// Replaces groff escapes in `line` with the text they stand for.
    static func unescape(_ line: Substring) -> String {
        guard line.contains("\\") else { return String(line) }
        var out = ""
        out.reserveCapacity(line.utf8.count)
        var index = line.startIndex
        let end = line.endIndex
        func advance(_ i: String.Index, by n: Int = 1) -> String.Index {
            line.index(i, offsetBy: n, limitedBy: end) ?? end
        }
        /// Reads an escape's name: one character, `(xx`, or `[name]`; returns it and the index after.
        func readName(at i: String.Index) -> (String, String.Index) {
            guard i < end else { return ("", end) }
            if line[i] == "(" {
                let start = advance(i)
                let stop = advance(start, by: 2)
                return (String(line[start..<stop]), stop)
            }
            if line[i] == "[" {
                let start = advance(i)
                let close = line[start...].firstIndex(of: "]") ?? end
                return (String(line[start..<close]), advance(close))
            }
            return (String(line[i]), advance(i))
        }
        /// Skips a delimited argument such as `'...'`; returns the text inside and the index after.
        func readDelimited(at i: String.Index) -> (Substring, String.Index) {
            guard i < end else { return ("", end) }
            let delimiter = line[i]
            let start = advance(i)
            let close = line[start...].firstIndex(of: delimiter) ?? end
            return (line[start..<close], advance(close))
        }
        while index < end {
            let character = line[index]
            guard character == "\\" else {
                out.append(character)
                index = advance(index)
                continue
            }
            let code = advance(index)
            guard code < end else { break }
            let escape = line[code]
            let after = advance(code)
            switch escape {
            case "\"", "#":
                return out.trimmingTrailingSpaces()
            case "f", "F", "n", "g", "k", "m", "M", "V", "Y", "$":
                if escape == "n", after < end, line[after] == "+" || line[after] == "-" {
                    index = readName(at: advance(after)).1
                } else {
                    index = readName(at: after).1
                }
            case "s":
                var i = after
                if i < end, line[i] == "+" || line[i] == "-" { i = advance(i) }
                if i < end, line[i] == "(" {
                    i = advance(i, by: 3)
                } else if i < end, line[i] == "[" || line[i] == "'" {
                    i = readDelimited(at: i).1
                } else {
                    while i < end, line[i].isNumber { i = advance(i) }
                }
                index = i
            case "*":
                let (name, next) = readName(at: after)
                out += stringRegisters[name] ?? ""
                index = next
            case "(", "[":
                let (name, next) = readName(at: code)
                out += glyph(name)
                index = next
            case "C":
                let (name, next) = readDelimited(at: after)
                out += glyph(String(name))
                index = next
            case "N":
                let (number, next) = readDelimited(at: after)
                if let value = UInt32(number), let scalar = Unicode.Scalar(value) { out.unicodeScalars.append(scalar) }
                index = next
            case "h", "v", "w", "o", "X", "l", "L", "D", "Z", "b", "x", "S", "H", "R", "A", "B", "O", "T", "U":
                index = readDelimited(at: after).1
            case "e", "\\":
                out.append("\\")
                index = after
            case "-":
                out.append("-")
                index = after
            case "'":
                out.append("'")
                index = after
            case "`":
                out.append("`")
                index = after
            case ".":
                out.append(".")
                index = after
            case " ", "0", "~", "t":
                out.append(" ")
                index = after
            case "z":
                index = after
            case "&", "%", ":", "/", ",", ")", "c", "d", "u", "r", "a", "^", "|", "{", "}", "p", "E", "j", "y", "!",
                "?":
                index = after
            default:
                out.append(escape)
                index = after
            }
        }
        return out
    }

    private static func glyph(_ name: String) -> String {
        if let known = glyphs[name] { return known }
        // \[u00E9] names a code point.
        if name.hasPrefix("u"), name.count >= 5, let value = UInt32(name.dropFirst().prefix(6), radix: 16),
            let scalar = Unicode.Scalar(value)
        {
            return String(Character(scalar))
        }
        return ""
    }

    private static let stringRegisters: [String: String] = [
        "lq": "“", "rq": "”", "R": "®", "Tm": "™", "(Tm": "™", "trade": "™", "Lq": "“", "Rq": "”",
    ]

    private static let glyphs: [String: String] = [
        "em": "—", "en": "–", "hy": "-", "aq": "'", "dq": "\"", "lq": "“", "rq": "”", "oq": "‘", "cq": "’",
        "bu": "•", "co": "©", "rg": "®", "tm": "™", "mu": "×", "di": "÷", "de": "°", "+-": "±", "<=": "≤",
        ">=": "≥", "!=": "≠", "==": "≡", "~=": "≅", "->": "→", "<-": "←", "<>": "↔", "ua": "↑", "da": "↓",
        "rA": "⇒", "lA": "⇐", "ga": "`", "ti": "~", "ha": "^", "ul": "_", "rs": "\\", "sl": "/", "ba": "|",
        "br": "|", "sc": "§", "ps": "¶", "ct": "¢", "Po": "£", "Eu": "€", "eu": "€", "Ye": "¥", "dg": "†",
        "dd": "‡", "fm": "′", "sd": "″", "sq": "□", "12": "½", "14": "¼", "34": "¾", "ss": "ß", "ae": "æ",
        "AE": "Æ", "oe": "œ", "OE": "Œ", ":a": "ä", ":o": "ö", ":u": "ü", ":A": "Ä", ":O": "Ö", ":U": "Ü",
        "'a": "á", "'e": "é", "'i": "í", "'o": "ó", "'u": "ú", "`a": "à", "`e": "è", "^a": "â", "^e": "ê",
        "~n": "ñ", ",c": "ç", "*a": "α", "*b": "β", "*g": "γ", "*d": "δ", "*l": "λ", "*m": "μ", "*p": "π",
        "*s": "σ", "if": "∞", "pl": "+", "mi": "−", "eq": "=", "lh": "☜", "rh": "☞", "at": "@", "sh": "#",
        "Do": "$", "bq": "„", "Bq": "„", "fo": "‹", "fc": "›", "Fo": "«", "Fc": "»", "shc": "^", "ci": "○",
        "ab": "¯", "hbar": "ħ", "OK": "✓", "nbsp": " ", "space": " ",
    ]

    private let ignoredRequests: Set<String> = [
        "ds", "nr", "tr", "rm", "rr", "ft", "ps", "in", "ne", "nh", "hy", "ad", "na", "PD", "RS", "RE", "INDENT",
        "UNINDENT", "so", "ll", "ta", "ti", "cs", "ss", "fam", "it", "rs", "mso", "lf", "bp", "ce", "IX", "Dd",
        "Os", "Bl", "El", "Ek", "Bk", "ev", "cu", "ul", "ec", "eo", "pc", "pl", "po", "vs", "fc", "lg", "c2", "cc",
        "char", "hw", "TQ", "PD", "DT", "UC", "AT", "Ns", "Pf", "Ef", "Bf", "Sm", "Ux", "Bx", "Fx", "Nx", "Ox",
        "Bsx", "Dx", "Rs", "Re", "Ap", "Db", "Fd", "In", "Fo", "Fc", "Oo", "Oc", "Bo", "Bc", "Do", "Dc", "Po",
        "Pc", "Qo", "Qc", "So", "Sc", "Eo", "Ec", "ie", "el", "if", "YS", "SY", "OP", "ME", "MT", "UN", "ST",
        "Vb", "Ve", "blm", "hc", "nop", "ab", "ch", "wh", "cp", "do", "fi", "fl", "tm", "ls", "lt", "nm", "nn", "pm",
        "pn", "pso", "sy", "tc", "tl", "uf", "vpt", "warn",
    ]
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var value = Substring(self)
        while value.last == " " || value.last == "\t" { value = value.dropLast() }
        return String(value)
    }
}
