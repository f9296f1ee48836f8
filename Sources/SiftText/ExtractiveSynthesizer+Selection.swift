import SiftCore

// Choosing, scoring and ordering the sentences of an extractive answer.
extension ExtractiveSynthesizer {
    /// A sentence that may go into the answer.
    struct Candidate {
        var text: String
        var tokens: [String]
        /// Tokens without stop words, for near-duplicate checks.
        var content: Set<String>
        var covered: Set<String>
        var sourceN: Int
        var passageRank: Int
        var position: Int
        var score: Double
        /// Mentions a query term or the focus.
        var useful: Bool
    }

    /// A sentence in the answer with every source that supports it.
    struct Chosen {
        var text: String
        var citations: [Int]
        var content: Set<String>
        var tokens: [String]
        var passageRank: Int
        var position: Int
        /// Where this sentence and the near-duplicates folded into it sit: (passage rank, position).
        var anchors: [(rank: Int, position: Int)]
    }

    static let copulas: Set<String> = ["is", "are", "was", "were", "refers", "means", "describes", "denotes"]
    static let articles: Set<String> = ["the", "a", "an"]
    /// Openers that lean on an earlier sentence ("It was founded...").
    static let dependentOpeners: Set<String> = [
        "it", "this", "these", "they", "he", "she", "its", "their", "his", "her", "such", "however", "but",
        "also", "thus", "therefore", "moreover", "furthermore", "those", "that", "hence", "then",
    ]
    /// The most sentences read from one passage.
    static let sentencesPerPassage = 40

    func candidates(query: AnalyzedQuery, passages: [Passage], titles: [Int: String]) -> [Candidate] {
        let terms = query.terms.map { $0.lowercased() }
        let termSet = Set(terms)
        let focusTokens = query.focus.map { tokenizer.tokens(in: $0) } ?? []
        let maxPassageScore = passages.map(\.score).max() ?? 0
        let technical = query.kind == .code || query.kind == .errorLog

        // Code and error logs: the passage naming the most query identifiers leads.
        var identifierWeights: [Double] = []
        if technical {
            identifierWeights = passages.map { passage in
                let present = Set(tokenizer.tokens(in: passage.text))
                return termSet.intersection(present).reduce(0.0) { $0 + Self.identifierWeight($1, in: query.original) }
            }
        }
        let maxIdentifierWeight = identifierWeights.max() ?? 0
        let leadPassage = maxIdentifierWeight > 0 ? identifierWeights.firstIndex(of: maxIdentifierWeight) : nil

        var result: [Candidate] = []
        for (rank, passage) in passages.enumerated() {
            let title = titles[passage.sourceN] ?? ""
            var sentences: [(text: String, dictionary: Bool)] = []
            if !technical, let entry = DictionaryEntry(text: passage.text, title: title, terms: terms) {
                sentences = [(entry.sentence, true)] + entry.moreSentences.map { ($0, false) }
            } else {
                sentences = splitter.sentences(in: passage.text).prefix(Self.sentencesPerPassage).map {
                    (DictionaryEntry.clip(Self.stripBullet($0), maxWords: 60), false)
                }
            }
            let rankShare =
                maxPassageScore > 0
                ? max(0, passage.score) / maxPassageScore : 1 - Double(rank) / Double(max(1, passages.count))
            for (position, sentence) in sentences.enumerated() {
                let tokens = tokenizer.tokens(in: sentence.text)
                guard tokens.count >= 3 || sentence.dictionary else { continue }
                let covered = termSet.intersection(tokens)
                var score = terms.isEmpty ? 0 : Double(covered.count) / Double(terms.count)
                var hasFocus = false
                if let at = TextNormalization.firstRun(of: focusTokens, in: tokens) {
                    hasFocus = true
                    score += 0.5
                    let subjectStart = Self.articles.contains(tokens[0]) ? 1 : 0
                    let after = at + focusTokens.count
                    if at == subjectStart, after < tokens.count, Self.copulas.contains(tokens[after]) {
                        // "Photosynthesis is ...": defines the focus.
                        score += 0.8
                    } else if at >= 1,
                        Self.copulas.contains(tokens[at - 1])
                            || (at >= 2 && Self.articles.contains(tokens[at - 1])
                                && Self.copulas.contains(tokens[at - 2]))
                    {
                        // "Canberra is the capital of Australia": names what the focus is.
                        score += 0.6
                    }
                    if sentence.dictionary, at == 0 { score += 0.3 }
                } else if tokens.count > 3, tokens[1...3].contains(where: Self.copulas.contains), !covered.isEmpty {
                    score += 0.1
                }
                score += 0.25 / Double(position + 1)
                score += 0.3 * rankShare
                if position > 0, Self.dependentOpeners.contains(tokens[0]) { score -= 0.25 }
                if sentence.text.hasSuffix("?") { score -= 0.6 }
                if tokens.count < 5 && !sentence.dictionary { score -= 0.2 }
                if tokens.count > 60 { score -= 0.2 }
                if technical, maxIdentifierWeight > 0 {
                    score += identifierWeights[rank] / maxIdentifierWeight
                    if rank == leadPassage { score += 0.5 }
                }
                result.append(
                    Candidate(
                        text: sentence.text, tokens: tokens,
                        content: Set(tokens.filter { !StopWords.english.contains($0) }), covered: covered,
                        sourceN: passage.sourceN, passageRank: rank, position: position, score: score,
                        useful: !covered.isEmpty || hasFocus))
            }
        }
        return result
    }

    func select(_ candidates: [Candidate], query: AnalyzedQuery) -> [Chosen] {
        var pool = candidates
        let complexity = min(5, max(1, query.complexity))
        let maxCount = min(maxSentences, max(2, complexity + 1))
        let wordBudget = complexity <= 2 ? 120 : 220
        let termCount = max(1, query.terms.count)

        // The lead: the best sentence (for code and error logs, the candidates' scores already favour the
        // passage naming the most identifiers).
        guard
            let leadIndex = pool.indices.filter({ pool[$0].useful }).max(by: { a, b in
                pool[a].score != pool[b].score ? pool[a].score < pool[b].score : Self.later(pool[a], than: pool[b])
            })
        else { return [] }
        let lead = pool.remove(at: leadIndex)
        var chosen = [Self.choose(lead)]
        var covered = lead.covered
        var words = lead.text.split(separator: " ").count
        let threshold = (complexity <= 1 ? 0.45 : 0.35) * lead.score
        // A one-fact question ("what is the capital of Australia") only takes sentences about its focus or
        // about the lead's subject ("Canberra"), so that a competing fact ("Sydney is the capital of NSW")
        // does not follow the answer.
        let focusTokens = query.focus.map { tokenizer.tokens(in: $0) } ?? []
        let staysOnSubject = complexity <= 1 && !focusTokens.isEmpty
        let leadSubject = Self.subject(of: lead.tokens)

        while !pool.isEmpty {
            // Fold near-duplicates of what is chosen into its citations.
            pool.removeAll { candidate in
                guard let i = chosen.firstIndex(where: { Self.isNearDuplicate(candidate, $0) }) else { return false }
                if candidate.useful, !chosen[i].citations.contains(candidate.sourceN) {
                    chosen[i].citations.append(candidate.sourceN)
                    chosen[i].anchors.append((candidate.passageRank, candidate.position))
                }
                return true
            }
            guard chosen.count < maxCount else { break }
            var best: (index: Int, value: Double)?
            for (i, candidate) in pool.enumerated() {
                let fresh = Double(candidate.covered.subtracting(covered).count) / Double(termCount)
                // The next sentence of a passage already quoted continues its thought.
                let follows = chosen.contains { chosen in
                    chosen.anchors.contains {
                        $0.rank == candidate.passageRank && $0.position + 1 == candidate.position
                    }
                }
                guard candidate.useful || follows else { continue }
                if staysOnSubject, !follows, !TextNormalization.containsRun(candidate.tokens, focusTokens),
                    !TextNormalization.containsRun(candidate.tokens, leadSubject)
                {
                    continue
                }
                var value = candidate.score + 0.3 * fresh
                if follows { value += Self.dependentOpeners.contains(candidate.tokens[0]) ? 0.75 : 0.5 }
                if value > best?.value ?? -.infinity { best = (i, value) }
            }
            guard let best, best.value >= threshold else { break }
            let candidate = pool.remove(at: best.index)
            let length = candidate.text.split(separator: " ").count
            if words + length > wordBudget { continue }
            words += length
            covered.formUnion(candidate.covered)
            chosen.append(Self.choose(candidate))
        }
        // Lead first, then what continues its passages, then the rest in reading order.
        let leadRanks = Set(chosen[0].anchors.map(\.rank))
        let rest = chosen.dropFirst().sorted {
            (leadRanks.contains($0.passageRank) ? 0 : 1, $0.passageRank, $0.position)
                < (leadRanks.contains($1.passageRank) ? 0 : 1, $1.passageRank, $1.position)
        }
        return [chosen[0]] + rest
    }

    /// The words before the first copula of a sentence that starts "<subject> is ...", e.g. ["canberra"].
    static func subject(of tokens: [String]) -> [String] {
        guard let copula = tokens.prefix(5).firstIndex(where: copulas.contains), copula > 0 else { return [] }
        return tokens[..<copula].filter { !articles.contains($0) }
    }

    private static func choose(_ candidate: Candidate) -> Chosen {
        Chosen(
            text: candidate.text, citations: [candidate.sourceN], content: candidate.content,
            tokens: candidate.tokens, passageRank: candidate.passageRank, position: candidate.position,
            anchors: [(candidate.passageRank, candidate.position)])
    }

    private static func later(_ a: Candidate, than b: Candidate) -> Bool {
        (a.passageRank, a.position) > (b.passageRank, b.position)
    }

    /// Two sentences say the same thing: one contains the other, or their content words mostly overlap.
    static func isNearDuplicate(_ candidate: Candidate, _ chosen: Chosen) -> Bool {
        if TextSimilarity.contains(eitherOf: candidate.tokens, chosen.tokens) { return true }
        let smaller = min(candidate.content.count, chosen.content.count)
        if smaller < 3 { return candidate.content == chosen.content }
        return TextSimilarity.overlapCoefficient(candidate.content, chosen.content) >= 0.75
    }

    /// How much a query term identifies a passage: 3 for identifiers (`tcp_congestion_control`, `e2big`, or
    /// written in capitals in the query, like `ECONNREFUSED`), 0.5 for plain numbers, 1 for other words.
    static func identifierWeight(_ term: String, in original: String) -> Double {
        let letters = term.contains(where: \.isLetter)
        if term.contains("_") || (letters && term.contains(where: \.isNumber)) { return 3 }
        if !letters { return 0.5 }
        if term.count >= 3, original.contains(term.uppercased()) { return 3 }
        return 1
    }

    /// The sentence without a leading list marker ("- ", "* ", "• ").
    static func stripBullet(_ sentence: String) -> String {
        for marker in ["- ", "* ", "• ", "– "] where sentence.hasPrefix(marker) {
            return String(sentence.dropFirst(marker.count))
        }
        return sentence
    }
}
