import SiftCore

/// Ranks candidate passages with BM25 computed over the candidate set itself,
/// blended with query-term coverage, a boost for titles that name the query
/// focus, and a small share of the source's search score.
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

    /// Weights of the blended score; they sum to 1 before the focus boosts.
    static let bm25Weight = 0.45
    static let coverageWeight = 0.3
    static let titleTermsWeight = 0.1
    static let sourceWeight = 0.15
    /// Added when the title equals the focus, contains it, or the text contains it.
    static let titleEqualsFocusBoost = 0.5
    static let titleContainsFocusBoost = 0.3
    static let textContainsFocusBoost = 0.15

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
            return Document(
                index: index, candidate: candidate, text: String(text), tokens: tokenizer.tokens(in: text),
                titleTokens: tokenizer.tokens(in: candidate.title))
        }
        guard !documents.isEmpty else { return [] }

        let terms = queryTerms(query)
        let focusTokens = query.focus.map { tokenizer.tokens(in: $0) } ?? []
        let bm25 = bm25Scores(documents, terms: terms)
        let maxBM25 = bm25.max() ?? 0

        var scored: [(document: Document, score: Double)] = []
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
            if !focusTokens.isEmpty {
                if document.titleTokens == focusTokens {
                    score += Self.titleEqualsFocusBoost
                } else if TextNormalization.containsRun(document.titleTokens, focusTokens) {
                    score += Self.titleContainsFocusBoost
                }
                if TextNormalization.containsRun(document.tokens, focusTokens) {
                    score += Self.textContainsFocusBoost
                }
            }
            scored.append((document, score))
        }
        // Best first; ties keep the candidates' order.
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.document.index < $1.document.index }

        var kept: [(document: Document, shingles: Set<String>, score: Double)] = []
        var perSource: [Int: Int] = [:]
        for (document, score) in scored {
            if kept.count == limit { break }
            if perSource[document.candidate.sourceN, default: 0] >= maxPerSource { continue }
            let shingles = TextSimilarity.shingles(document.tokens)
            let duplicate = kept.contains { other in
                TextSimilarity.contains(eitherOf: other.document.tokens, document.tokens)
                    || TextSimilarity.jaccard(other.shingles, shingles) >= duplicateThreshold
            }
            if duplicate { continue }
            kept.append((document, shingles, score))
            perSource[document.candidate.sourceN, default: 0] += 1
        }
        return kept.enumerated().map { offset, entry in
            Passage(
                n: offset + 1, sourceN: entry.document.candidate.sourceN, score: (entry.score * 1000).rounded() / 1000,
                text: entry.document.text)
        }
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

    /// ln(x) for x > 0 without Foundation: x = m · 2^e, ln x = e · ln 2 + 2 · atanh((m - 1) / (m + 1)).
    static func naturalLog(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return x == 0 ? -.infinity : .nan }
        let ln2 = 0.693_147_180_559_945_3
        let m = x.significand  // in [1, 2)
        let e = Double(x.exponent)
        let y = (m - 1) / (m + 1)
        let y2 = y * y
        var term = y
        var sum = 0.0
        var k = 1.0
        while k < 60 {
            sum += term / k
            term *= y2
            k += 2
        }
        return e * ln2 + 2 * sum
    }

    struct Document {
        var index: Int
        var candidate: CandidatePassage
        var text: String
        var tokens: [String]
        var titleTokens: [String]
    }
}
