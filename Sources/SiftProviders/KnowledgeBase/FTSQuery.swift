/// Builds FTS5 `MATCH` expressions from user words without letting them inject syntax.
///
/// Every term becomes a double-quoted FTS5 string (a phrase of the tokens inside it),
/// with embedded quotes doubled; so `NEAR`, `AND`, `*`, `-`, `^`, `:` and parentheses in
/// user text are only ever text. Terms without a letter or digit are dropped.
enum FTSQuery {
    /// Longest term kept, in characters.
    static let maxTermLength = 64
    /// Most terms used.
    static let maxTerms = 12

    /// `text` as an FTS5 string literal, or `nil` when it has no letter or digit.
    static func quoted(_ text: String) -> String? {
        let trimmed = String(text.prefix(maxTermLength))
        guard trimmed.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        else { return nil }
        // Control characters and NULs cannot reach SQLite's tokenizer meaningfully.
        let cleaned = String(String.UnicodeScalarView(trimmed.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\u{7F}" }))
        return "\"" + cleaned.replacing("\"", with: "\"\"") + "\""
    }

    /// The words of `text` (runs of letters and digits), lowercased.
    static func words(_ text: String) -> [String] {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? asciiWords(text) : scalarWords(text)
    }

    /// ``words(_:)`` for any text, scalar by scalar.
    static func scalarWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.append(scalar)
            } else if !current.isEmpty {
                words.append(String(current).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current).lowercased()) }
        return words
    }

    /// ``words(_:)`` for ASCII text, byte by byte: an ASCII scalar is alphabetic when it is a
    /// letter and numeric when it is a digit, and lowercases to its lowercase letter.
    static func asciiWords(_ text: String) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 0x20)
            default:
                if !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// The distinct usable terms of a query, lowercased, in query order (at most ``maxTerms``).
    static func usableTerms(_ terms: [String]) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for term in terms {
            let key = String(term.lowercased().prefix(maxTermLength))
            guard quoted(key) != nil, seen.insert(key).inserted else { continue }
            result.append(key)
            if result.count == maxTerms { break }
        }
        return result
    }

    /// Passages a term may match and still count as rare.
    static let commonThreshold = 4000
    /// Passages above which a term is a stop word in all but name ("the", "is").
    static let stopThreshold = 50_000

    /// The MATCH expression for `terms` (from ``usableTerms(_:)``) whose passage counts
    /// are `frequencies` (counted up to ``stopThreshold`` + 1), or `nil` when there is no term.
    ///
    /// Ranking costs about a microsecond per matching passage, so the expression is
    /// built to match few passages while scoring what matters:
    /// - terms matching more than ``stopThreshold`` passages are dropped (unless all are);
    /// - rare terms (at most ``commonThreshold`` passages each, `budget` together, rarest
    ///   first) are ORed, each quoted;
    /// - adjacent term pairs holding a rare term are added as phrases ("congestion
    ///   control"), and so is the focus when it has several terms and a rare one (as a
    ///   NEAR group when it holds other words): a passage holding the phrase scores it on
    ///   top of its words, and a phrase matches no more passages than its rarest word;
    /// - when no term is rare: the terms ANDed, the adjacent pairs and the focus as
    ///   phrases, and the terms in titles only.
    static func expression(
        terms: [String], frequencies: [Int], focus: String?, budget: Int = 8000
    ) -> String? {
        expressions(terms: terms, frequencies: frequencies, focus: focus, budget: budget)?.broad
    }

    /// Like ``expression(terms:frequencies:focus:budget:)``, plus a `strict` variant when
    /// there are several rare terms: the rare terms ANDed (with the same phrases ORed),
    /// which matches far fewer passages and is tried first.
    static func expressions(
        terms: [String], frequencies: [Int], focus: String?, budget: Int = 8000
    ) -> (strict: String?, broad: String)? {
        guard !terms.isEmpty, terms.count == frequencies.count else { return nil }
        var usable = terms.indices.map { frequencies[$0] <= stopThreshold }
        if !usable.contains(true) { usable = terms.map { _ in true } }
        var isRare = [Bool](repeating: false, count: terms.count)
        var spent = 0
        for index in terms.indices.sorted(by: { frequencies[$0] < frequencies[$1] }) {
            let frequency = frequencies[index]
            guard usable[index], frequency <= commonThreshold else { break }
            if spent > 0 && spent + frequency > budget { break }
            isRare[index] = true
            spent += frequency
        }
        let anyRare = isRare.contains(true)
        let kept = terms.indices.filter { usable[$0] }.map { terms[$0] }
        var parts: [String] = []
        var seen = Set<String>()
        func add(_ part: String?) {
            if let part, seen.insert(part).inserted { parts.append(part) }
        }
        for index in terms.indices where isRare[index] { add(quoted(terms[index])) }
        if !anyRare && kept.count > 1 {
            add("(" + kept.compactMap(quoted).joined(separator: " AND ") + ")")
        }
        for index in terms.indices.dropLast() where usable[index] && usable[index + 1] {
            if !anyRare || isRare[index] || isRare[index + 1] { add(quoted(terms[index] + " " + terms[index + 1])) }
        }
        if let focus {
            // The focus as a phrase of its terms; when it holds other words ("of" in "capital
            // of australia"), as a NEAR group of its terms, since a phrase would have to read
            // the huge doclists of those words.
            let focusWords = words(focus)
            let focusTerms = focusWords.filter { word in terms.indices.contains { usable[$0] && terms[$0] == word } }
            let holdsRare = terms.indices.contains { isRare[$0] && focusTerms.contains(terms[$0]) }
            if focusTerms.count > 1, !anyRare || holdsRare {
                if focusTerms.count == focusWords.count {
                    add(quoted(focusTerms.joined(separator: " ")))
                } else {
                    let gap = focusWords.count - focusTerms.count + 1
                    add("NEAR(" + focusTerms.compactMap(quoted).joined(separator: " ") + ", \(gap))")
                }
            }
        }
        if !anyRare {
            add("{title} : (" + kept.compactMap(quoted).joined(separator: " OR ") + ")")
        }
        guard !parts.isEmpty else { return nil }
        let rare = terms.indices.filter { isRare[$0] }
        var strict: String?
        if rare.count > 1 {
            let all = "(" + rare.compactMap { quoted(terms[$0]) }.joined(separator: " AND ") + ")"
            strict = ([all] + parts.dropFirst(rare.count)).joined(separator: " OR ")
        }
        return (strict, parts.joined(separator: " OR "))
    }
}

extension FTSQuery {
    /// Passages whose text puts one of `cues` within `distance` words of `subject`:
    /// `{text} : (NEAR("young" "hare", 6) OR NEAR("baby" "hare", 6))`.
    static func stating(_ cues: [String], near subject: String, distance: Int = 6) -> String? {
        let phrase = words(subject).joined(separator: " ")
        guard let subjectPhrase = quoted(phrase) else { return nil }
        let groups = cues.prefix(maxTerms).compactMap(quoted).map { "NEAR(\($0) \(subjectPhrase), \(distance))" }
        guard !groups.isEmpty else { return nil }
        return "{text} : (" + groups.joined(separator: " OR ") + ")"
    }
}
