import SiftCore

// Terms, focus, sub-queries, ambiguous terms and complexity.
extension QueryAnalyzer {
    /// The most terms kept from one query (a pasted log can be long).
    static let maxTerms = 40

    /// Request words that carry no subject ("define entropy", "explain TCP").
    static let requestWords: Set<String> = [
        "define", "definition", "explain", "describe", "tell", "mean", "means", "meant", "vs", "versus", "v",
    ]

    /// Common words with several everyday senses; reported when present in a question.
    static let ambiguousWords: Set<String> = [
        "python", "java", "mercury", "jaguar", "apple", "bank", "bass", "ruby", "shell", "kernel", "mouse",
        "virus", "cell", "crane", "bat", "spring", "pitch", "seal", "mole", "bark", "swift", "rust", "amazon",
        "oracle", "delta", "bug", "cookie", "cloud", "port", "thread", "terminal", "tank", "bolt", "match",
        "current", "plant", "organ", "scale", "key", "record", "date", "fan", "ring", "club", "pipe", "token",
        "cache", "mint", "jam", "lead", "tire", "bow", "saturn", "venus", "turkey", "china", "jersey",
    ]

    func extractTerms(normalized: String, kind: QueryKind) -> [String] {
        let tokens = tokenizer.tokens(in: normalized)
        let dropRequests = kind == .question || kind == .keywords
        var seen = Set<String>()
        var terms: [String] = []
        for token in tokens where !StopWords.english.contains(token) {
            if dropRequests && Self.requestWords.contains(token) { continue }
            if seen.insert(token).inserted {
                terms.append(token)
                if terms.count == Self.maxTerms { break }
            }
        }
        // An SQL statement is about SQL, though it never says so.
        if kind == .code, !seen.contains("sql"), terms.count < Self.maxTerms, Self.isSQL(normalized) {
            terms.append("sql")
        }
        // "how does X work": "work" is part of the question, not of the subject.
        if kind == .question, tokens.first == "how", let last = tokens.last, last == "work" || last == "works",
            terms.last == last, terms.count > 1
        {
            terms.removeLast()
        }
        return terms
    }

    func ambiguousTerms(in terms: [String], kind: QueryKind) -> [String] {
        guard kind == .question || kind == .keywords else { return [] }
        return terms.filter { Self.ambiguousWords.contains($0) }
    }

    /// Copula and request patterns whose remainder is the subject of the question.
    private static let focusPrefixes: [String] = [
        "what is meant by ", "what's meant by ", "what is the meaning of ", "what is the definition of ",
        "what's the meaning of ", "what's the definition of ", "what can you tell me about ", "tell me about ",
        "can you explain ", "please explain ", "please define ", "definition of ", "meaning of ",
        "what is ", "what are ", "what was ", "what were ", "what's ", "whats ",
        "who is ", "who are ", "who was ", "who were ", "who's ",
        // "who wrote Hamlet": the work is the subject the sources describe.
        "who wrote ", "who invented ", "who discovered ", "who founded ", "who created ", "who designed ",
        "who developed ", "who painted ", "who composed ", "who directed ",
        "where is ", "where are ", "where was ", "where were ", "where's ",
        "define ", "explain ", "describe ",
    ]

    /// Suffixes that end a question rather than its subject ("where is Uluru located").
    private static let focusSuffixes: [String] = [
        " used for", " made of", " located", " known for", " famous for", " all about", " about", " mean",
    ]

    func extractFocus(normalized: String, kind: QueryKind, terms: [String]) -> String? {
        switch kind {
        case .question:
            return Self.questionFocus(normalized)
        case .keywords:
            // A short keyword query is its own subject ("photosynthesis", "capital of australia").
            let phrase = normalized.lowercased().droppingSuffix { "?!.,;: ".contains($0) }
            let words = phrase.split(separator: " ")
            guard !terms.isEmpty, words.count <= 4, let first = words.first,
                !StopWords.english.contains(tokenizer.tokens(in: first).first ?? "")
            else { return nil }
            return String(phrase)
        case .code, .errorLog, .arithmetic:
            return nil
        }
    }

    static func questionFocus(_ text: String) -> String? {
        var s = Substring(text.lowercased().replacing("’", with: "'"))
        s = s.droppingSuffix { "?!. ".contains($0) }
        s = s.trimmingPrefix("please ")
        var subject: Substring?
        if s.hasPrefix("how ") {
            // "how does TCP congestion control work", "explain how X works".
            for opener in ["how does ", "how do ", "how did "] where s.hasPrefix(opener) {
                let rest = s.dropFirst(opener.count)
                for ending in [" work", " function", " operate"] where rest.hasSuffix(ending) {
                    subject = rest.dropLast(ending.count)
                }
            }
        } else if s.hasPrefix("what does ") || s.hasPrefix("what do ") {
            let rest = s.dropFirst(s.hasPrefix("what does ") ? 10 : 8)
            for ending in [" mean", " stand for", " do"] where rest.hasSuffix(ending) {
                subject = rest.dropLast(ending.count)
                break
            }
        } else {
            for prefix in focusPrefixes where s.hasPrefix(prefix) {
                var rest = s.dropFirst(prefix.count)
                if prefix.hasPrefix("explain ") || prefix.hasPrefix("can you explain "), rest.hasPrefix("how ") {
                    return questionFocus("how does " + rest.dropFirst(4).replacing(" works", with: " work"))
                }
                for suffix in focusSuffixes where rest.hasSuffix(suffix) {
                    rest = rest.dropLast(suffix.count)
                    break
                }
                subject = rest
                break
            }
        }
        guard var focus = subject else { return nil }
        focus = TextNormalization.trim(focus)
        focus = focus.drop { "\"'`“‘(".contains($0) }.droppingSuffix { "\"'`”’),;:".contains($0) }
        for article in ["the ", "a ", "an "] where focus.hasPrefix(article) {
            focus = focus.dropFirst(article.count)
            break
        }
        let words = focus.split(separator: " ")
        guard !words.isEmpty, words.count <= 8 else { return nil }
        // Not a subject: "what is the difference between X and Y", "what is it", "who are you".
        if focus.hasPrefix("difference between") || focus.hasPrefix("differences between") { return nil }
        let tokens = Tokenizer().tokens(in: focus)
        guard tokens.contains(where: { !StopWords.english.contains($0) }) else { return nil }
        return String(focus)
    }

    func splitSubQueries(_ normalized: String) -> [String] {
        // Several questions: "What is X? How does Y work?"
        let sentences = normalized.split(separator: "?").map { TextNormalization.trim($0) }.filter { !$0.isEmpty }
        if sentences.count >= 2 {
            return sentences.flatMap { sentence in
                let parts = splitSubQuestion(String(sentence))
                return parts.isEmpty ? [String(sentence)] : parts
            }
        }
        return splitSubQuestion(normalized)
    }

    /// Splits one sentence: comparisons ("X vs Y") and questions joined by "and".
    private func splitSubQuestion(_ sentence: String) -> [String] {
        var text = Substring(sentence).droppingSuffix { "?!. ".contains($0) }
        let lower = text.lowercased()
        // Comparisons: "X vs Y", "X versus Y", "difference between X and Y", "compare X and Y".
        for separator in [" vs. ", " vs ", " versus "] where lower.contains(text: separator) {
            if lower.hasPrefix("compare ") { text = text.dropFirst(8) }
            return Self.split(text, on: separator)
        }
        for opener in ["difference between ", "differences between ", "compare "] {
            guard let range = lower.firstRange(ofText: opener) else { continue }
            let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
            let rest = text.dropFirst(offset)
            for separator in [" and ", " with ", " to "] where rest.lowercased().contains(text: separator) {
                let parts = Self.split(rest, on: separator)
                if parts.count == 2 { return parts }
            }
        }
        // "how does X differ from Y", "what distinguishes X from Y", "what sets X apart from Y".
        for (opener, separator) in [
            ("how does ", " differ from "), ("how do ", " differ from "), ("how is ", " different from "),
            ("how are ", " different from "), ("what distinguishes ", " from "), ("what sets ", " apart from "),
            ("what separates ", " from "),
        ] where lower.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            let parts = Self.split(rest, on: separator)
            if parts.count == 2 { return parts }
        }
        // "X or Y: what sets them apart?", "X and Y: how do they differ?".
        if let colon = text.firstIndex(of: ":") {
            let tail = text[text.index(after: colon)...].lowercased()
            if tail.contains(anyOf: ["apart", "differ", "difference", "distinguish", "compare"]) {
                let head = text[..<colon]
                for separator in [" or ", " and ", " vs ", " versus "] where head.lowercased().contains(separator) {
                    let parts = Self.split(head, on: separator)
                    if parts.count == 2 { return parts }
                }
            }
        }
        // Compound: "what is X and how does Y work".
        var parts: [String] = []
        var current: [Substring] = []
        let words = text.split(separator: " ")
        var i = 0
        while i < words.count {
            let word = words[i]
            let lowerWord = word.lowercased()
            let next = i + 1 < words.count ? words[i + 1].lowercased() : ""
            let opensQuestion = Self.subQuestionStarters.contains(next)
            if (lowerWord == "and" || lowerWord == "also") && opensQuestion && !current.isEmpty {
                parts.append(current.joined(separator: " "))
                current = []
            } else if word.hasSuffix(";") || (word.hasSuffix(",") && opensQuestion) {
                current.append(word.dropLast())
                parts.append(current.joined(separator: " "))
                current = []
            } else {
                current.append(word)
            }
            i += 1
        }
        if !current.isEmpty { parts.append(current.joined(separator: " ")) }
        parts = parts.map { String(TextNormalization.trim($0)) }.filter { !$0.isEmpty }
        // "In Python, which module …": a leading phrase sets the scene; it is not a question of its own.
        if let first = parts.first, first.split(separator: " ").count <= 3,
            let lead = first.split(separator: " ").first?.lowercased(),
            ["in", "for", "on", "with", "under", "using", "within"].contains(lead)
        {
            return []
        }
        return parts.count >= 2 ? parts : []
    }

    private static let subQuestionStarters: Set<String> = [
        "what", "what's", "who", "who's", "where", "when", "why", "which", "how", "is", "are", "does", "do",
        "can", "could", "should",
    ]

    private static func split(_ text: Substring, on separator: String) -> [String] {
        // Case-insensitive split on `separator`, keeping the original case of the parts.
        var parts: [String] = []
        var rest = text
        while let range = rest.lowercased().firstRange(ofText: separator) {
            let lowered = rest.lowercased()
            let start = lowered.distance(from: lowered.startIndex, to: range.lowerBound)
            let length = separator.count
            parts.append(String(rest.prefix(start)))
            rest = rest.dropFirst(start + length)
        }
        parts.append(String(rest))
        return parts.map { String(TextNormalization.trim($0)) }.filter { !$0.isEmpty }
    }

    func estimateComplexity(
        normalized: String, kind: QueryKind, terms: [String], focus: String?, subQueries: [String]
    ) -> Int {
        switch kind {
        case .arithmetic: return 1
        case .code: return min(5, max(2, 1 + terms.count / 4))
        case .errorLog: return min(5, max(3, 2 + terms.count / 8))
        case .question, .keywords: break
        }
        let lower = normalized.lowercased()
        let first = lower.split(separator: " ").first.map(String.init) ?? ""
        var c = 1
        if terms.count > 3 { c += 1 }
        if terms.count > 7 { c += 1 }
        if subQueries.count >= 2 { c += 1 }
        if subQueries.count >= 3 { c += 1 }
        let quantity = ["how many", "how much", "how old", "how far", "how long", "how tall", "how big"]
        let explains = first == "why" || (first == "how" && !quantity.contains(where: { lower.hasPrefix($0) }))
        let compares = ["explain", "compare", "difference", "pros and cons", "advantages", " vs ", " versus "]
        if explains || lower.contains(anyOf: compares) { c += 1 }
        if let focus, subQueries.isEmpty, ["what", "what's", "whats", "who", "where", "define"].contains(first),
            focus.split(separator: " ").count <= 4, terms.count <= 3
        {
            c = 1
        }
        return min(5, max(1, c))
    }
}
