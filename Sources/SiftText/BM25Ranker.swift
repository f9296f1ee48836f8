#if canImport(Glibc)
import Glibc
#endif
import SiftCore

/// Ranks candidate passages with BM25 computed over the candidate set itself,
/// blended with query-term coverage, a boost for titles that name the query
/// focus, and a small share of the source's search score.
///
/// What a passage does with the focus counts too: opening with its definition
/// ("Photosynthesis is ...") or making it a subject ("tcp_congestion_control sets
/// ...") beats using the phrase in passing; a dictionary paragraph that continues an
/// entry ("entropy: Where p(M) is ...") gets less of the headword's boost than a
/// definition, and an entry whose headword is the focus in another case ("MuTeX" for
/// "mutex") none when a plainly spelled one is there. Licence, changelog, code-heavy
/// and non-English passages lose a little; a dictionary's first senses gain a little.
/// Code and error logs, which have no focus, use the identifier they are about
/// (``SentenceForm/technicalFocus(_:)``).
///
/// Near-duplicates (word 3-shingle Jaccard ≥ ``duplicateThreshold``, or one text
/// inside the other) are removed, keeping the better passage, and no source
/// contributes more than ``maxPerSource`` passages. Scores are rounded to 3
/// decimals.
public struct BM25Ranker: PassageRanking {
    /// BM25 term-frequency saturation.
    public var k1: Double
    /// BM25 length normalization.
    public var b: Double
    /// The most passages kept from one source.
    public var maxPerSource: Int
    /// Shingle Jaccard similarity at or above which two passages are duplicates.
    public var duplicateThreshold: Double

    let tokenizer = Tokenizer()
    let splitter = SentenceSplitter()

    /// Weights of the blended score; they sum to 1 before the focus boosts.
    static let bm25Weight = 0.45
    static let coverageWeight = 0.3
    static let titleTermsWeight = 0.1
    static let sourceWeight = 0.15
    /// Added when the title equals the focus, contains it, or the text contains it.
    static let titleEqualsFocusBoost = 0.5
    static let titleContainsFocusBoost = 0.3
    static let textContainsFocusBoost = 0.15
    /// Added when a passage's first sentence defines the focus ("Photosynthesis is a system of ...").
    static let opensWithDefinitionBoost = 0.2
    /// How many of the best passages are read sentence by sentence for the focus's role.
    static let readForRole = 24
    /// Added to an entry's first sense, and its share to the later ones.
    static let senseOrderBoost = 0.1
    /// Taken from passages that do not read as English (translations, code).
    static let foreignPenalty = 0.3
    /// Added when some sentence of a passage has the focus as its subject.
    static let subjectBoost = 0.15
    /// Taken from an entry whose headword is the focus in another case ("MuTeX" for "mutex").
    static let caseConflictPenalty = 0.3
    /// Taken from licence, copyright and changelog text.
    static let boilerplatePenalty = 0.3
    /// Taken, at most, from passages that are mostly code, unless the query is code.
    static let codePenalty = 0.3
    /// Added, times the match's strength, to a passage stating the relation a framed question asks.
    static let frameBoost = 0.6

    /// Creates a ranker with the usual BM25 parameters.
    public init(k1: Double = 1.2, b: Double = 0.75, maxPerSource: Int = 3, duplicateThreshold: Double = 0.7) {
        self.k1 = k1
        self.b = b
        self.maxPerSource = maxPerSource
        self.duplicateThreshold = duplicateThreshold
    }

    /// Returns at most `limit` passages, best first, numbered from 1.
    public func rank(_ candidates: [CandidatePassage], for query: AnalyzedQuery, limit: Int) -> [Passage] {
        guard limit > 0 else { return [] }
        let documents = candidates.enumerated().compactMap { index, candidate -> Document? in
            let text = TextNormalization.trim(candidate.text)
            guard !text.isEmpty else { return nil }
            let tokens = tokenizer.tokens(in: text)
            let words = SentenceForm.splittingIdentifiers(tokens)
            // Identifiers also count as their parts: "tcp_congestion_control" holds "congestion".
            let parts =
                words.count > tokens.count
                ? tokens.filter { $0.contains("_") }.flatMap { $0.split(separator: "_").map(String.init) } : []
            var document = Document(
                index: index, candidate: candidate, text: String(text), tokens: tokens + parts, words: words,
                titleTokens: tokenizer.tokens(in: candidate.title))
            if let entry = SentenceForm.entry(in: document.text, title: candidate.title) {
                document.headword = entry.headword
                document.headwordTokens = tokenizer.tokens(in: entry.headword)
                document.isGloss = SentenceForm.isGloss(entry.body)
            }
            return document
        }
        guard !documents.isEmpty else { return [] }

        let terms = queryTerms(query)
        let termSet = Set(terms)
        let technical = query.kind == .code || query.kind == .errorLog
        // Each entry passage's place among its source's passages.
        var seen: [Int: Int] = [:]
        let senseIndex = documents.map { document -> Int in
            defer { seen[document.candidate.sourceN, default: 0] += 1 }
            return seen[document.candidate.sourceN, default: 0]
        }
        let asked = query.focus.map { tokenizer.tokens(in: $0) } ?? SentenceForm.technicalFocus(query)
        let focusTokens = SentenceForm.effectiveFocus(asked, in: documents.map(\.words) + documents.map(\.titleTokens))
        let bm25 = bm25Scores(documents, terms: terms)
        let maxBM25 = bm25.max() ?? 0
        // "MuTeX" is not what "what is a mutex" asks about when an entry spelled "mutex" is there too.
        let conflicted = documents.map { document in
            SentenceForm.caseConflict(headword: document.headword ?? document.candidate.title, query: query.original)
        }
        let namesFocusPlainly = zip(documents, conflicted).contains { document, conflict in
            !conflict && !focusTokens.isEmpty && (document.headwordTokens ?? document.titleTokens) == focusTokens
        }
        let demoted = Set(documents.indices.filter { conflicted[$0] && namesFocusPlainly }.map { documents[$0].index })

        var scored: [(document: Document, score: Double)] = []
        // Passages that state what a framed question asks: never dropped as another's duplicate, since
        // "FBI: a federal agency" and "Federal Bureau of Investigation: a federal agency" differ in the answer.
        var framed = Set<Int>()
        scored.reserveCapacity(documents.count)
        for (i, document) in documents.enumerated() {
            let present = Set(document.tokens)
            let coverage = terms.isEmpty ? 0 : Double(terms.filter(present.contains).count) / Double(terms.count)
            let titleSet = Set(document.titleTokens)
            let titleCoverage =
                terms.isEmpty ? 0 : Double(terms.filter(titleSet.contains).count) / Double(terms.count)
            var score =
                Self.bm25Weight * (maxBM25 > 0 ? bm25[i] / maxBM25 : 0) + Self.coverageWeight * coverage
                + Self.titleTermsWeight * titleCoverage
                + Self.sourceWeight * min(1, max(0, document.candidate.sourceScore))
            if demoted.contains(document.index) {
                score -= Self.caseConflictPenalty
            } else {
                score += focusBoost(document, focus: focusTokens, terms: terms, technical: technical)
            }
            if SentenceForm.isBoilerplate(document.tokens, queryTerms: termSet) {
                score -= Self.boilerplatePenalty
            }
            if !technical {
                score -= Self.codePenalty * min(1, max(0, SentenceForm.codeShare(document.text) - 0.15))
            }
            if !SentenceForm.looksEnglish(Array(document.tokens.prefix(80))) { score -= Self.foreignPenalty }
            // An entry's senses come commonest first (the provider hands them over in that order).
            if document.headword != nil {
                score += Self.senseOrderBoost / Double(1 + senseIndex[i])
            }
            // A passage that states what a framed question asks ("leveret: a young hare" for "what
            // is a young hare called"; "Fe" for "the symbol of iron") is the one the answer needs.
            if let frame = query.frame,
                let match = frame.relation != .definition
                    ? FrameReader.match(frame, text: document.text, title: document.candidate.title)
                    : FrameReader.termDefinition(subject: frame.subject, text: document.text)
            {
                score += Self.frameBoost * match.strength
                framed.insert(document.index)
            } else if let frame = query.frame, frame.relation.isReverse, document.headwordTokens.map({
                LightStemmer.stems($0) == FrameReader.stems(frame.subject)
            }) == true {
                // The subject's own entry ("hare: swift timid mammal") does not name its young.
                score -= Self.frameBoost / 2
            }
            scored.append((document, score))
        }
        // Answers that take two passages to see: a synonym entry repeating the subject's definition
        // (the symbol "Ne" of neon), and the next holder of a numbered office.
        if let frame = query.frame {
            let texts = documents.map { ($0.text, $0.candidate.title) }
            for found in [FrameReader.aliasMatch(frame, passages: texts), FrameReader.successionMatch(frame, passages: texts)] {
                guard let found else { continue }
                scored[found.index].score += Self.frameBoost * found.match.strength
                framed.insert(documents[found.index].index)
            }
        }
        // Best first; ties keep the candidates' order.
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.document.index < $1.document.index }
        // Reading sentences is the costly part: only the front runners are read for what they say about the focus.
        if !focusTokens.isEmpty {
            for i in scored.indices.prefix(Self.readForRole) where !demoted.contains(scored[i].document.index) {
                scored[i].score += roleBoost(scored[i].document, focus: focusTokens, terms: terms, technical: technical)
            }
            scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.document.index < $1.document.index }
        }

        var kept: [(document: Document, shingles: Set<TextSimilarity.Shingle>, score: Double)] = []
        var perSource: [Int: Int] = [:]
        var vocabulary = TextSimilarity.Vocabulary()
        for (document, score) in scored {
            if kept.count == limit { break }
            if perSource[document.candidate.sourceN, default: 0] >= maxPerSource { continue }
            let shingles = vocabulary.shingles(document.words)
            let duplicate = kept.contains { other in
                TextSimilarity.contains(eitherOf: other.document.words, document.words)
                    || TextSimilarity.jaccard(other.shingles, shingles) >= duplicateThreshold
            }
            if duplicate && !framed.contains(document.index) { continue }
            kept.append((document, shingles, score))
            perSource[document.candidate.sourceN, default: 0] += 1
        }
        return kept.enumerated().map { offset, entry in
            Passage(
                n: offset + 1, sourceN: entry.document.candidate.sourceN, score: (entry.score * 1000).rounded() / 1000,
                text: entry.document.text)
        }
    }

    /// What naming, containing or defining `focus` adds to a passage's score.
    private func focusBoost(_ document: Document, focus: [String], terms: [String], technical: Bool) -> Double {
        guard !focus.isEmpty else { return 0 }
        var boost = 0.0
        let nameTokens = document.headwordTokens ?? document.titleTokens
        // A dictionary paragraph that continues an entry ("entropy: Where p(M) is ...") is about the
        // headword, but does not define it.
        let share = document.isGloss == false ? 0.4 : 1
        if nameTokens == focus {
            boost += Self.titleEqualsFocusBoost * share
        } else if TextNormalization.containsRun(document.titleTokens, focus) {
            boost += Self.titleContainsFocusBoost * share
        }
        if TextNormalization.containsRun(document.words, focus) { boost += Self.textContainsFocusBoost }
        return boost
    }

    /// What a passage's sentences saying something about `focus` add to its score.
    private func roleBoost(_ document: Document, focus: [String], terms: [String], technical: Bool) -> Double {
        guard document.headword == nil, TextNormalization.containsRun(document.words, focus) else { return 0 }
        // An encyclopedia or manual passage that opens by defining the focus; for code and error logs, a
        // reference passage that defines the identifier anywhere ("exception ImportError / Raised when
        // ..."). Elsewhere, a sentence whose subject is the focus ("tcp_congestion_control sets ...")
        // makes the passage about it, rather than one that only uses the phrase.
        let sentences = SentenceForm.sentences(
            of: String(document.text.prefix(800)), title: document.candidate.title, terms: terms, splitter: splitter,
            limit: 8)
        let roles = sentences.map { sentence in
            SentenceForm.focusRole(
                of: focus,
                in: SentenceForm.splittingIdentifiers(
                    tokenizer.tokens(in: SentenceForm.withoutParentheticals(sentence.text)), whole: focus))
        }
        if roles.first.map({ $0 >= .definedLate }) == true || technical && roles.contains(where: { $0 >= .subject }) {
            return Self.opensWithDefinitionBoost
        }
        return roles.contains(where: { $0 >= .subject }) ? Self.subjectBoost : 0
    }

    /// The query's terms; for a query without content terms, its tokens.
    private func queryTerms(_ query: AnalyzedQuery) -> [String] {
        var seen = Set<String>()
        let terms = query.terms.isEmpty ? tokenizer.tokens(in: query.normalized) : query.terms
        return terms.map { $0.lowercased() }.filter { seen.insert($0).inserted }
    }

    /// Okapi BM25 of every document, with IDF `ln(1 + (N - df + 0.5) / (df + 0.5))`.
    private func bm25Scores(_ documents: [Document], terms: [String]) -> [Double] {
        guard !terms.isEmpty else { return Array(repeating: 0, count: documents.count) }
        let termSet = Set(terms)
        var frequencies: [[String: Int]] = []
        frequencies.reserveCapacity(documents.count)
        var documentFrequency: [String: Int] = [:]
        var totalLength = 0
        for document in documents {
            var tf: [String: Int] = [:]
            for token in document.tokens where termSet.contains(token) {
                tf[token, default: 0] += 1
            }
            for term in tf.keys { documentFrequency[term, default: 0] += 1 }
            frequencies.append(tf)
            totalLength += document.tokens.count
        }
        let n = Double(documents.count)
        let averageLength = max(1, Double(totalLength) / n)
        var idf: [String: Double] = [:]
        for term in terms {
            let df = Double(documentFrequency[term, default: 0])
            idf[term] = Self.naturalLog(1 + (n - df + 0.5) / (df + 0.5))
        }
        return zip(documents, frequencies).map { document, tf in
            let length = Double(document.tokens.count)
            var score = 0.0
            for (term, count) in tf {
                let f = Double(count)
                score += idf[term, default: 0] * f * (k1 + 1) / (f + k1 * (1 - b + b * length / averageLength))
            }
            return score
        }
    }

    /// The natural logarithm, from the C library.
    static func naturalLog(_ x: Double) -> Double {
        Glibc.log(x)
    }

    struct Document {
        var index: Int
        var candidate: CandidatePassage
        var text: String
        /// Tokens, then the parts of identifiers.
        var tokens: [String]
        /// Tokens with identifiers split into their parts, in order.
        var words: [String]
        var titleTokens: [String]
        /// For a dictionary entry passage ("mutex: A mutual exclusion object"): its headword as spelled.
        var headword: String?
        var headwordTokens: [String]?
        /// For an entry passage: whether its body reads as a definition.
        var isGloss: Bool?
    }
}
