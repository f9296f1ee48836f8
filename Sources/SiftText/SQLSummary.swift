/// A plain-English reading of a simple SQL statement, computed from the query itself (like
/// arithmetic, it needs no source): `SELECT name FROM users WHERE id = 1` reads
/// "This SQL query reads the name column of the users table for rows where id is 1."
///
/// Handles `SELECT` (columns, `DISTINCT`, one table or a join, `WHERE`, `GROUP BY`, `ORDER BY`,
/// `LIMIT`), `INSERT INTO`, `UPDATE ... SET`, `DELETE FROM`, `CREATE TABLE` and `DROP TABLE`;
/// anything else is left unread.
struct SQLSummary {
    /// The summary sentences, one per statement understood (at most three).
    let sentences: [String]

    /// The summary as one text, or `nil` when no statement was understood.
    var text: String? { sentences.isEmpty ? nil : sentences.joined(separator: " ") }

    init(_ sql: String) {
        let statements = SQLSummary.tokenize(sql).split(separator: ";")
        var sentences: [String] = []
        for statement in statements where sentences.count < 3 {
            guard let reading = SQLSummary.read(Array(statement)) else { continue }
            let opener = sentences.isEmpty ? "This SQL \(reading.noun)" : "Then it"
            sentences.append("\(opener) \(reading.verbPhrase).")
        }
        self.sentences = sentences
    }

    // MARK: Reading statements

    private static func read(_ tokens: [String]) -> (noun: String, verbPhrase: String)? {
        guard let first = tokens.first?.uppercased() else { return nil }
        switch first {
        case "SELECT": return readSelect(tokens).map { ("query", $0) }
        case "INSERT": return readInsert(tokens).map { ("statement", $0) }
        case "UPDATE": return readUpdate(tokens).map { ("statement", $0) }
        case "DELETE": return readDelete(tokens).map { ("statement", $0) }
        case "CREATE", "DROP": return readTable(tokens).map { ("statement", $0) }
        default: return nil
        }
    }

    private static let clauseWords: Set<String> = [
        "FROM", "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "OUTER",
        "CROSS", "ON", "UNION", "OFFSET", "SET", "VALUES", "INTO", "SELECT",
    ]

    private static func readSelect(_ tokens: [String]) -> String? {
        var rest = tokens.dropFirst()
        let distinct = rest.first?.uppercased() == "DISTINCT"
        if distinct { rest = rest.dropFirst() }
        guard let from = rest.firstIndex(where: { $0.uppercased() == "FROM" }) else { return nil }
        let columns = Array(rest[..<from])
        guard !columns.isEmpty else { return nil }
        var afterFrom = rest[(from + 1)...]
        guard let table = afterFrom.first, isName(table) else { return nil }
        afterFrom = afterFrom.dropFirst()
        var phrase: String
        let list = splitList(columns)
        if list.contains(where: { $0.contains("(") }) {
            phrase = "computes \(list.joined(separator: ", ")) over the \(table) table"
        } else if list == ["*"] {
            phrase = "reads every column of the \(table) table"
        } else {
            let names = list.map { $0.hasSuffix(".*") ? "every column of \($0.dropLast(2))" : $0 }
            phrase = "reads the \(joinedList(names)) \(names.count == 1 ? "column" : "columns") of the \(table) table"
        }
        if distinct { phrase += ", without repeated rows" }
        let clauses = clauseRanges(Array(afterFrom))
        if let join = clauses["JOIN"], let joined = join.first, isName(joined) {
            phrase += " joined with the \(joined) table"
        }
        if let condition = clauses["WHERE"] {
            guard let reading = readCondition(condition) else { return nil }
            phrase += " for rows where \(reading)"
        }
        if let group = clauses["GROUP"], group.first?.uppercased() == "BY" {
            phrase += ", grouped by \(joinedList(splitList(Array(group.dropFirst()))))"
        }
        if let order = clauses["ORDER"], order.first?.uppercased() == "BY" {
            var keys = Array(order.dropFirst())
            let descending = keys.last?.uppercased() == "DESC"
            if descending || keys.last?.uppercased() == "ASC" { keys.removeLast() }
            guard !keys.isEmpty else { return nil }
            phrase += ", sorted by \(joinedList(splitList(keys)))" + (descending ? " in descending order" : "")
        }
        if let limit = clauses["LIMIT"], let n = limit.first, n.allSatisfy(\.isNumber) {
            phrase += n == "1" ? ", keeping only the first row" : ", keeping at most \(n) rows"
        }
        return phrase
    }

    private static func readInsert(_ tokens: [String]) -> String? {
        guard tokens.count >= 3, tokens[1].uppercased() == "INTO", isName(tokens[2]) else { return nil }
        let table = tokens[2]
        guard tokens.contains(where: { $0.uppercased() == "VALUES" || $0.uppercased() == "SELECT" }) else {
            return nil
        }
        var columns: [String] = []
        if tokens.count > 3, tokens[3] == "(", let close = tokens[3...].firstIndex(of: ")") {
            columns = splitList(Array(tokens[4..<close]))
        }
        var rows = 0
        if let values = tokens.lastIndex(where: { $0.uppercased() == "VALUES" }) {
            var depth = 0
            for token in tokens[values...] {
                if token == "(" {
                    if depth == 0 { rows += 1 }
                    depth += 1
                } else if token == ")" {
                    depth -= 1
                }
            }
        }
        let what = rows > 1 ? "adds \(rows) rows to the \(table) table" : "adds a row to the \(table) table"
        return columns.isEmpty ? what : what + ", setting \(joinedList(columns))"
    }

    private static func readUpdate(_ tokens: [String]) -> String? {
        guard tokens.count >= 4, isName(tokens[1]), tokens[2].uppercased() == "SET" else { return nil }
        let clauses = clauseRanges(Array(tokens[3...]), leading: "SET")
        guard let set = clauses["SET"] else { return nil }
        let assignments = splitList(set).compactMap { assignment -> String? in
            let parts = assignment.split(separator: " = ", maxSplits: 1)
            return parts.count == 2 ? "\(parts[0]) to \(parts[1])" : nil
        }
        guard !assignments.isEmpty else { return nil }
        var phrase = "sets \(joinedList(assignments)) in the \(tokens[1]) table"
        if let condition = clauses["WHERE"] {
            guard let reading = readCondition(condition) else { return nil }
            phrase += " for rows where \(reading)"
        } else {
            phrase += " for every row"
        }
        return phrase
    }

    private static func readDelete(_ tokens: [String]) -> String? {
        guard tokens.count >= 3, tokens[1].uppercased() == "FROM", isName(tokens[2]) else { return nil }
        let clauses = clauseRanges(Array(tokens[3...]))
        guard let condition = clauses["WHERE"] else { return "deletes every row of the \(tokens[2]) table" }
        guard let reading = readCondition(condition) else { return nil }
        return "deletes the rows of the \(tokens[2]) table where \(reading)"
    }

    private static func readTable(_ tokens: [String]) -> String? {
        guard tokens.count >= 3, tokens[1].uppercased() == "TABLE" else { return nil }
        var index = 2
        if tokens.count > 4, tokens[2].uppercased() == "IF" { index = tokens[3].uppercased() == "NOT" ? 5 : 4 }
        guard index < tokens.count, isName(tokens[index]) else { return nil }
        let name = tokens[index]
        if tokens[0].uppercased() == "DROP" { return "deletes the \(name) table and all its rows" }
        let columns =
            tokens.count > index + 1 && tokens[index + 1] == "(" ? columnNames(Array(tokens[(index + 2)...])) : []
        return columns.isEmpty
            ? "creates a table named \(name)"
            : "creates a table named \(name) with the columns \(joinedList(columns))"
    }

    /// "id = 1 AND name LIKE 'a%'" as "id is 1 and name matches 'a%'"; `nil` when not understood.
    private static func readCondition(_ tokens: [String]) -> String? {
        var parts: [String] = []
        var current: [String] = []
        for token in tokens {
            let upper = token.uppercased()
            let inBetween = current.count >= 2 && current[current.count - 2].uppercased() == "BETWEEN"
            if (upper == "AND" || upper == "OR") && !current.isEmpty && !inBetween {
                guard let reading = readComparison(current) else { return nil }
                parts.append(reading)
                parts.append(upper.lowercased())
                current = []
            } else {
                current.append(token)
            }
        }
        guard let reading = readComparison(current) else { return nil }
        parts.append(reading)
        return parts.joined(separator: " ")
    }

    private static let comparisons: [String: String] = [
        "=": "is", "==": "is", "!=": "is not", "<>": "is not", "<": "is less than", ">": "is greater than",
        "<=": "is at most", ">=": "is at least",
    ]

    private static func readComparison(_ tokens: [String]) -> String? {
        guard tokens.count >= 2 else { return nil }
        let upper = tokens.map { $0.uppercased() }
        if tokens.count == 3, let words = comparisons[tokens[1]] {
            return "\(tokens[0]) \(words) \(tokens[2])"
        }
        if upper.count == 3, upper[1] == "LIKE" { return "\(tokens[0]) matches \(tokens[2])" }
        if upper.count == 3, upper[1] == "IS", upper[2] == "NULL" { return "\(tokens[0]) is empty (NULL)" }
        if upper.count == 4, upper[1] == "IS", upper[2] == "NOT", upper[3] == "NULL" {
            return "\(tokens[0]) is set (not NULL)"
        }
        if upper.count >= 4, upper[1] == "IN", tokens[2] == "(", tokens.last == ")" {
            let values = splitList(Array(tokens[3..<(tokens.count - 1)]))
            return "\(tokens[0]) is one of \(joinedList(values, conjunction: "or"))"
        }
        if upper.count == 5, upper[1] == "BETWEEN", upper[3] == "AND" {
            return "\(tokens[0]) is between \(tokens[2]) and \(tokens[4])"
        }
        return nil
    }

    // MARK: Helpers

    /// The tokens of each clause, keyed by its opening word (`WHERE`, `ORDER`, `JOIN`...).
    private static func clauseRanges(_ tokens: [String], leading: String? = nil) -> [String: [String]] {
        var result: [String: [String]] = [:]
        var key = leading
        var current: [String] = []
        var depth = 0
        for token in tokens {
            if token == "(" { depth += 1 }
            if token == ")" { depth -= 1 }
            let upper = token.uppercased()
            if depth == 0, ["WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "JOIN", "OFFSET"].contains(upper) {
                if let key { result[key] = current }
                key = upper
                current = []
            } else if depth == 0, ["INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS"].contains(upper) {
                continue
            } else if key == "JOIN", depth == 0, upper == "ON" {
                result["JOIN"] = current
                key = "ON"
                current = []
            } else {
                current.append(token)
            }
        }
        if let key { result[key] = current }
        return result
    }

    /// Comma-separated items, each rejoined ("COUNT ( * )" → "COUNT(*)").
    private static func splitList(_ tokens: [String]) -> [String] {
        var items: [String] = []
        var current: [String] = []
        var depth = 0
        for token in tokens {
            if token == "(" { depth += 1 }
            if token == ")" { depth -= 1 }
            if token == "," && depth == 0 {
                items.append(join(current))
                current = []
            } else {
                current.append(token)
            }
        }
        if !current.isEmpty { items.append(join(current)) }
        return items.filter { !$0.isEmpty }
    }

    private static func join(_ tokens: [String]) -> String {
        var out = ""
        for token in tokens {
            let glue = out.isEmpty || token == "(" || token == ")" || out.hasSuffix("(")
            out += (glue ? "" : " ") + token
        }
        return out
    }

    /// The column names of a `CREATE TABLE (...)` body: the first word of each item.
    private static func columnNames(_ tokens: [String]) -> [String] {
        var names: [String] = []
        var depth = 0
        var expectName = true
        for token in tokens {
            if token == "(" {
                depth += 1
            } else if token == ")" {
                if depth == 0 { break }
                depth -= 1
            } else if token == "," && depth == 0 {
                expectName = true
            } else if expectName {
                let upper = token.uppercased()
                if !["PRIMARY", "FOREIGN", "UNIQUE", "CONSTRAINT", "CHECK"].contains(upper), isName(token) {
                    names.append(token)
                }
                expectName = false
            }
        }
        return names
    }

    /// "a", "a and b", "a, b and c".
    private static func joinedList(_ items: [String], conjunction: String = "and") -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }

    private static func isName(_ token: String) -> Bool {
        guard let first = token.first, first.isLetter || first == "_" || first == "\"" || first == "`" else {
            return false
        }
        return !clauseWords.contains(token.uppercased())
    }

    /// Words, numbers, quoted strings, operators and punctuation; `-- comments` dropped.
    static func tokenize(_ sql: String) -> [String] {
        var tokens: [String] = []
        let chars = Array(sql)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, !chars[i].isNewline { i += 1 }
            } else if c == "'" || c == "\"" || c == "`" {
                var j = i + 1
                while j < chars.count, chars[j] != c { j += 1 }
                tokens.append(String(chars[i..<min(chars.count, j + 1)]))
                i = j + 1
            } else if c.isLetter || c.isNumber || c == "_" || c == "." {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "." {
                    j += 1
                }
                if j < chars.count, chars[j] == "*", chars[j - 1] == "." { j += 1 }
                tokens.append(String(chars[i..<j]))
                i = j
            } else if "<>!=".contains(c) {
                var j = i + 1
                if j < chars.count, "=>".contains(chars[j]) { j += 1 }
                tokens.append(String(chars[i..<j]))
                i = j
            } else {
                tokens.append(String(c))
                i += 1
            }
        }
        return tokens
    }
}
