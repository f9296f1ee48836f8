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
        /// What the sentence does with the focus.
        var role: SentenceForm.FocusRole
        /// Continues another sentence or breaks off: never a lead.
        var fragment: Bool
        /// A licence, copyright, changelog or version note, or no prose at all: never chosen.
        var excluded: Bool
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

    static let copulas = SentenceForm.copulas
    static let articles = SentenceForm.articles
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
        let technical = query.kind == .code || query.kind == .errorLog
        let asked = query.focus.map { tokenizer.tokens(in: $0) } ?? SentenceForm.technicalFocus(query)
        let focusTokens = SentenceForm.effectiveFocus(
            asked,
            in: passages.map { SentenceForm.splittingIdentifiers(tokenizer.tokens(in: $0.text)) }
                + passages.map { tokenizer.tokens(in: titles[$0.sourceN] ?? "") })
        let maxPassageScore = passages.map(\.score).max() ?? 0

        // Code and error logs: the passage naming the most query identifiers leads. (Not for SQL, whose
        // identifiers are the asker's own tables and columns, and whose keywords are everyday words.)
        var identifierWeights: [Double] = []
        if technical, !QueryAnalyzer.isSQL(query.normalized) {
            identifierWeights = passages.map { passage in
                let tokens = tokenizer.tokens(in: passage.text)
                let present = Set(tokens).union(SentenceForm.splittingIdentifiers(tokens))
                return termSet.intersection(present).reduce(0.0) { $0 + Self.identifierWeight($1, in: query.original) }
            }
        }
        let maxIdentifierWeight = identifierWeights.max() ?? 0
        let leadPassage = maxIdentifierWeight > 0 ? identifierWeights.firstIndex(of: maxIdentifierWeight) : nil

        // Entries whose headword is the focus in another case ("MuTeX" for "mutex") only count when
        // no entry or page names the focus as the query spells it.
        let headwords = passages.map { passage -> String in
            let title = titles[passage.sourceN] ?? ""
            return SentenceForm.entry(in: passage.text, title: title)?.headword ?? title
        }
        let conflicted = headwords.map { SentenceForm.caseConflict(headword: $0, query: query.original) }
        let namesFocusPlainly = zip(headwords, conflicted).contains { headword, conflict in
            !conflict && !focusTokens.isEmpty && tokenizer.tokens(in: headword) == focusTokens
        }
        // A focus the query spells with inner capitals ("MuTeX") is only there when spelled so.
        let spelledFocus = query.focus.flatMap { SentenceForm.spelling(of: $0, in: query.original) }
            .flatMap { SentenceForm.hasInnerCapitals($0) ? String($0) : nil }

        var drafts: [Candidate] = []
        for (rank, passage) in passages.enumerated() {
            let title = titles[passage.sourceN] ?? ""
            let sentences = sentences(of: passage.text, title: title, terms: terms)
            let rankShare =
                maxPassageScore > 0
                ? max(0, passage.score) / maxPassageScore : 1 - Double(rank) / Double(max(1, passages.count))
            let demoted = conflicted[rank] && namesFocusPlainly
            for (position, sentence) in sentences.enumerated() {
                let tokens = tokenizer.tokens(in: sentence.text)
                guard tokens.count >= 4 || sentence.dictionary else { continue }
                let words = SentenceForm.splittingIdentifiers(tokens)
                let covered = termSet.intersection(tokens).union(termSet.intersection(words))
                var score = 0.0
                let plain = SentenceForm.splittingIdentifiers(
                    tokenizer.tokens(in: SentenceForm.withoutParentheticals(sentence.text)), whole: focusTokens)
                var role = SentenceForm.FocusRole.absent
                if !focusTokens.isEmpty {
                    role = max(
                        SentenceForm.focusRole(of: focusTokens, in: plain),
                        min(SentenceForm.focusRole(of: focusTokens, in: words), .mentioned))
                }
                let vacuous = Self.isVacuous(plain)
                if demoted || vacuous { role = min(role, .mentioned) }
                if let spelledFocus, !sentence.text.contains(spelledFocus) { role = .absent }
                let english = SentenceForm.looksEnglish(tokens)
                if !english { score -= 0.8 }
                switch role {
                case .defined: score += 0.5 + 0.8
                case .definedLate: score += 0.5 + 0.7
                case .named: score += 0.5 + 0.6
                case .subject: score += 0.5 + 0.4
                // A multi-word focus must be what the sentence is about, not a phrase it happens to use.
                case .mentioned: score += focusTokens.count > 1 ? 0.2 : 0.5
                case .absent:
                    if tokens.count > 3, tokens[1...3].contains(where: Self.copulas.contains), !covered.isEmpty {
                        score += 0.1
                    }
                }
                if sentence.dictionary, role >= .named { score += 0.3 }
                // An encyclopedia's or manual's opening sentence that defines the focus.
                if !sentence.dictionary, !sentence.entry, position == 0, role >= .definedLate { score += 0.5 }
                score += 0.25 / Double(position + 1)
                score += 0.3 * rankShare
                if position > 0, Self.dependentOpeners.contains(tokens[0]) { score -= 0.25 }
                if sentence.text.hasSuffix("?") { score -= 0.6 }
                if tokens.count < 5 && !sentence.dictionary { score -= 0.2 }
                if tokens.count > 60 { score -= 0.2 }
                let fragment = !sentence.dictionary && SentenceForm.isFragment(sentence.text)
                if fragment { score -= 0.4 }
                if !sentence.dictionary, SentenceForm.isVerbless(sentence.text) { score -= 0.3 }
                let code = SentenceForm.codeShare(sentence.text)
                if code > 0.35 { score -= technical ? 0.2 : 0.6 }
                if !technical, SentenceForm.isFormula(sentence.text) { score -= 0.4 }
                let boilerplate = SentenceForm.isBoilerplate(tokens, queryTerms: termSet)
                if boilerplate { score -= 0.6 }
                if vacuous { score -= 0.5 }
                if demoted { score -= 0.6 }
                if technical, maxIdentifierWeight > 0 {
                    score += identifierWeights[rank] / maxIdentifierWeight
                    if rank == leadPassage { score += 0.5 }
                }
                drafts.append(
                    Candidate(
                        text: sentence.text, tokens: tokens,
                        content: Set(tokens.filter { !StopWords.english.contains($0) }), covered: covered,
                        sourceN: passage.sourceN, passageRank: rank, position: position, score: score,
                        useful: spelledFocus == nil ? !covered.isEmpty || role > .absent : role > .absent,
                        role: role, fragment: fragment || !english,
                        excluded: boilerplate || !SentenceForm.isProse(sentence.text)))
            }
        }
        // Term coverage weighted by how rare each term is among the candidate sentences: a sentence
        // holding "congestion" says more than one holding "tcp" and "control".
        let weights = Self.inverseFrequencies(terms, in: drafts.map(\.covered))
        let total = terms.reduce(0.0) { $0 + weights[$1, default: 0] }
        return drafts.map { draft in
            var candidate = draft
            if total > 0 {
                let coverage = draft.covered.reduce(0.0) { $0 + weights[$1, default: 0] } / total
                // Using a multi-word focus in passing is not being about it.
                candidate.score += focusTokens.count > 1 && draft.role <= .mentioned ? coverage / 2 : coverage
            }
            return candidate
        }
    }

    /// A passage's sentences as ``SentenceForm/sentences(of:title:terms:splitter:limit:)`` reads them.
    func sentences(of text: String, title: String, terms: [String]) -> [PassageSentence] {
        SentenceForm.sentences(
            of: text, title: title, terms: terms, splitter: splitter, limit: Self.sentencesPerPassage)
    }

    /// `ln(1 + N / df)` of each term over `sets`, where df counts the sets holding it.
    static func inverseFrequencies(_ terms: [String], in sets: [Set<String>]) -> [String: Double] {
        let n = Double(max(1, sets.count))
        var weights: [String: Double] = [:]
        for term in terms {
            let df = Double(sets.reduce(0) { $0 + ($1.contains(term) ? 1 : 0) })
            weights[term] = BM25Ranker.naturalLog(1 + n / max(1, df))
        }
        return weights
    }

    /// "The TCP congestion control is a big and complex topic": a copula whose predicate says nothing.
    static func isVacuous(_ words: [String]) -> Bool {
        guard let copula = words.prefix(8).firstIndex(where: copulas.contains) else { return false }
        return copula + 1 < words.count && !SentenceForm.isDefining(words, copula: copula)
            && words[(copula + 1)...].prefix(7).contains(where: SentenceForm.emptyPredicateNouns.contains)
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
            let leadIndex = pool.indices.filter({ pool[$0].useful && !pool[$0].fragment && !pool[$0].excluded })
                .max(by: { a, b in
                    pool[a].score != pool[b].score ? pool[a].score < pool[b].score : Self.later(pool[a], than: pool[b])
                })
        else { return [] }
        let lead = pool.remove(at: leadIndex)
        var chosen = [Self.choose(lead)]
        var covered = lead.covered
        var words = lead.text.split(separator: " ").count
        // Relative to the lead, but a strong lead (an identifier defined) does not shut out every other source.
        let threshold = min(1.1, (complexity <= 1 ? 0.45 : 0.35) * lead.score)
        // A one-fact question ("what is the capital of Australia") only takes sentences about its focus or
        // about the lead's subject ("Canberra"), so that a competing fact ("Sydney is the capital of NSW")
        // does not follow the answer.
        let focusTokens = SentenceForm.effectiveFocus(
            query.focus.map { tokenizer.tokens(in: $0) } ?? [], in: candidates.map(\.tokens))
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
                if candidate.fragment && !follows || candidate.excluded { continue }
                if staysOnSubject, !follows, !TextNormalization.containsRun(candidate.tokens, focusTokens),
                    !TextNormalization.containsRun(candidate.tokens, leadSubject)
                {
                    continue
                }
                // Continuing the lead's own passage reads best of all.
                let followsLead = chosen[0].anchors.contains {
                    $0.rank == candidate.passageRank && $0.position + 1 == candidate.position
                }
                var value = candidate.score + 0.3 * fresh
                if follows {
                    value += Self.dependentOpeners.contains(candidate.tokens[0]) ? 0.75 : 0.5
                    if followsLead { value += 0.3 }
                }
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
    ///
    /// Sentences about different subjects never are: "Sydney is ... located in southeastern Australia"
    /// does not support "Canberra is the capital of Australia; located in southeastern Australia".
    static func isNearDuplicate(_ candidate: Candidate, _ chosen: Chosen) -> Bool {
        if TextSimilarity.contains(eitherOf: candidate.tokens, chosen.tokens) { return true }
        let subjects = (subject(of: candidate.tokens), subject(of: chosen.tokens))
        if !subjects.0.isEmpty, !subjects.1.isEmpty, subjects.0 != subjects.1,
            !TextNormalization.containsRun(candidate.tokens, subjects.1)
        {
            return false
        }
        let smaller = min(candidate.content.count, chosen.content.count)
        if smaller < 3 { return candidate.content == chosen.content }
        // A short label ("inode - file inode information") inside a longer sentence does not say the same.
        let larger = max(candidate.content.count, chosen.content.count)
        let shared = Double(candidate.content.intersection(chosen.content).count)
        return TextSimilarity.overlapCoefficient(candidate.content, chosen.content) >= 0.75
            && shared / Double(larger) >= 0.4
    }

    /// How much a query term identifies a passage: 3 for identifiers (`tcp_congestion_control`, `e2big`,
    /// written in capitals in the query, like `ECONNREFUSED`, or in camel case, like `ImportError`), 0.5 for
    /// plain numbers, 1 for other words.
    static func identifierWeight(_ term: String, in original: String) -> Double {
        let letters = term.contains(where: \.isLetter)
        if term.contains("_") || (letters && term.contains(where: \.isNumber)) { return 3 }
        if !letters { return 0.5 }
        if term.count >= 3, original.contains(term.uppercased()) { return 3 }
        if term.count >= 4, let spelled = SentenceForm.spelling(of: term, in: original),
            SentenceForm.hasInnerCapitals(spelled)
        {
            return 3
        }
        return 1
    }

}
