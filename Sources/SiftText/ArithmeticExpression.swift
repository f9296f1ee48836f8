/// A parsed arithmetic expression such as `2+2*3` or `12 times 7`.
///
/// Recognizes numbers, `+ - * / ^ %`, `×`, `÷`, `x` between numbers, parentheses,
/// and the words `plus`, `minus`, `times`, `multiplied by`, `divided by`, `mod`.
/// Used by ``QueryAnalyzer`` to recognize arithmetic queries and by
/// ``ExtractiveSynthesizer`` to answer them.
struct ArithmeticExpression: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case number(Double, String)
        case op(Character)
        case open
        case close
    }

    /// The expression as written, without a question prefix or a trailing `=`/`?`.
    let text: String
    let tokens: [Token]

    /// Words that may introduce an arithmetic question.
    private static let prefixes = [
        "what is", "what's", "whats", "how much is", "calculate", "compute", "evaluate", "solve",
    ]

    /// Parses `query` (a whole query, possibly "what is 12 * 7?"); nil unless it is
    /// only an arithmetic expression with at least one binary operator.
    init?(query: String) {
        var body = Substring(query.lowercased())
        for prefix in Self.prefixes where body.hasPrefix(prefix + " ") {
            body = body.dropFirst(prefix.count + 1)
            break
        }
        while let last = body.last, last == "?" || last == "=" || last == " " || last == "." {
            body = body.dropLast()
        }
        guard let tokens = Self.lex(body), Self.isWellFormed(tokens), !Self.isDate(body, tokens) else { return nil }
        self.text = String(body.drop { $0 == " " })
        self.tokens = tokens
    }

    /// The value, or nil when it is undefined (division by zero) or not finite.
    var value: Double? {
        var parser = Parser(tokens: tokens)
        guard let v = parser.expression(), parser.index == tokens.count, v.isFinite else { return nil }
        return v
    }

    /// `value` for display: an integer when it is one, else at most 10 decimals.
    var formattedValue: String? {
        guard let v = value else { return nil }
        if v == v.rounded(), abs(v) < 1e15 {
            return String(Int64(v))
        }
        let rounded = (v * 1e10).rounded() / 1e10
        return "\(rounded)"
    }

    private static func lex(_ text: Substring) -> [Token]? {
        var tokens: [Token] = []
        var i = text.startIndex
        func previousIsOperand() -> Bool {
            switch tokens.last {
            case .number, .close: true
            default: false
            }
        }
        while i < text.endIndex {
            let c = text[i]
            if c == " " {
                i = text.index(after: i)
            } else if c.isASCII, c.isNumber || c == "." {
                var j = i
                var digits = ""
                while j < text.endIndex, text[j].isASCII, text[j].isNumber || text[j] == "." || text[j] == "," {
                    if text[j] != "," { digits.append(text[j]) }
                    j = text.index(after: j)
                }
                guard let value = Double(digits) else { return nil }
                tokens.append(.number(value, digits))
                i = j
            } else if "+-*/^%".contains(c) {
                tokens.append(.op(c))
                i = text.index(after: i)
            } else if c == "×" || (c == "x" && previousIsOperand()) {
                tokens.append(.op("*"))
                i = text.index(after: i)
            } else if c == "÷" {
                tokens.append(.op("/"))
                i = text.index(after: i)
            } else if c == "(" {
                tokens.append(.open)
                i = text.index(after: i)
            } else if c == ")" {
                tokens.append(.close)
                i = text.index(after: i)
            } else if c.isLetter {
                var j = i
                while j < text.endIndex, text[j].isLetter { j = text.index(after: j) }
                let word = text[i..<j]
                var next = j
                switch word {
                case "plus": tokens.append(.op("+"))
                case "minus": tokens.append(.op("-"))
                case "times": tokens.append(.op("*"))
                case "mod", "modulo": tokens.append(.op("%"))
                case "multiplied", "divided":
                    // Requires "by".
                    let rest = text[j...].drop { $0 == " " }
                    guard rest.hasPrefix("by") else { return nil }
                    next = text.index(rest.startIndex, offsetBy: 2)
                    tokens.append(.op(word == "multiplied" ? "*" : "/"))
                default: return nil
                }
                i = next
            } else {
                return nil
            }
        }
        return tokens
    }

    /// `2024-01-05` is a date, not a subtraction.
    private static func isDate(_ text: Substring, _ tokens: [Token]) -> Bool {
        guard tokens.count == 5, !text.contains(" "), case .number(_, let year) = tokens[0], year.count == 4 else {
            return false
        }
        return tokens[1] == .op("-") && tokens[3] == .op("-")
    }

    private static func isWellFormed(_ tokens: [Token]) -> Bool {
        var parser = Parser(tokens: tokens)
        guard parser.expression() != nil || parser.sawDivisionByZero, parser.index == tokens.count else {
            return false
        }
        return parser.binaryOperators > 0
    }

    /// Recursive-descent evaluator: `+ -` < `* / %` < unary `-` < `^` (right associative).
    private struct Parser {
        let tokens: [Token]
        var index = 0
        var binaryOperators = 0
        var sawDivisionByZero = false
        var depth = 0

        init(tokens: [Token]) { self.tokens = tokens }

        mutating func expression() -> Double? {
            guard var lhs = term() else { return nil }
            while index < tokens.count, case .op(let c) = tokens[index], c == "+" || c == "-" {
                index += 1
                guard let rhs = term() else { return nil }
                binaryOperators += 1
                lhs = c == "+" ? lhs + rhs : lhs - rhs
            }
            return lhs
        }

        mutating func term() -> Double? {
            guard var lhs = unary() else { return nil }
            while index < tokens.count, case .op(let c) = tokens[index], c == "*" || c == "/" || c == "%" {
                index += 1
                guard let rhs = unary() else { return nil }
                binaryOperators += 1
                if c == "*" {
                    lhs *= rhs
                } else if rhs == 0 {
                    sawDivisionByZero = true
                    lhs = .nan
                } else {
                    lhs = c == "/" ? lhs / rhs : lhs.truncatingRemainder(dividingBy: rhs)
                }
            }
            return lhs
        }

        mutating func unary() -> Double? {
            if index < tokens.count, case .op(let c) = tokens[index], c == "-" || c == "+" {
                index += 1
                guard let v = unary() else { return nil }
                return c == "-" ? -v : v
            }
            return power()
        }

        mutating func power() -> Double? {
            guard let base = primary() else { return nil }
            if index < tokens.count, case .op("^") = tokens[index] {
                index += 1
                guard let exponent = unary() else { return nil }
                binaryOperators += 1
                return Self.pow(base, exponent)
            }
            return base
        }

        mutating func primary() -> Double? {
            guard index < tokens.count else { return nil }
            switch tokens[index] {
            case .number(let v, _):
                index += 1
                return v
            case .open:
                guard depth < 64 else { return nil }
                index += 1
                depth += 1
                defer { depth -= 1 }
                guard let v = expression(), index < tokens.count, tokens[index] == .close else { return nil }
                index += 1
                return v
            default:
                return nil
            }
        }

        /// Integer powers exactly; other exponents are not supported (nan).
        static func pow(_ base: Double, _ exponent: Double) -> Double {
            guard exponent == exponent.rounded(), abs(exponent) <= 1024 else { return .nan }
            var result = 1.0
            for _ in 0..<Int(abs(exponent)) { result *= base }
            return exponent < 0 ? 1 / result : result
        }
    }
}
