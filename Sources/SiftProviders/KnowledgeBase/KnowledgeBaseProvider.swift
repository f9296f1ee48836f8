import SiftCore

/// The local knowledge base as a ``SearchProvider`` named `kb`.
///
/// Searches the query's terms (and its focus as a phrase) in the index and returns one
/// hit per document with its best passages, so the pipeline needs no page fetch for it.
public struct KnowledgeBaseProvider: SearchProvider {
    public let name = "kb"
    /// The open index.
    public let knowledgeBase: KnowledgeBase
    /// Passages handed over per hit.
    public let passagesPerHit: Int

    /// A provider over `knowledgeBase`.
    public init(knowledgeBase: KnowledgeBase, passagesPerHit: Int = 5) {
        self.knowledgeBase = knowledgeBase
        self.passagesPerHit = passagesPerHit
    }

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        SearchResults(hits: try hits(for: query, limit: limit))
    }

    /// The best documents for `query`, at most `limit`.
    func hits(for query: AnalyzedQuery, limit: Int) throws -> [SearchHit] {
        var terms = query.terms
        if terms.isEmpty {
            // Nothing survived stop-word removal ("what is it"): fall back to the words typed.
            terms = FTSQuery.words(query.normalized)
        }
        // Code and error logs: the senses of everyday words ("select", "name") answer nothing, so
        // general-language dictionaries come after manuals, references and FOLDOC; one-letter names
        // (`x`, `i`) find nothing in particular; and in an error, bare numbers (addresses, ports, line
        // numbers) name the instance, not the problem.
        let technical = query.kind == .code || query.kind == .errorLog
        if technical {
            let words = terms.filter { term in
                term.count > 1 && (query.kind == .code || term.contains(where: \.isLetter))
            }
            if !words.isEmpty { terms = words }
        }
        let matches: [KnowledgeBase.Match]
        do {
            let found = try knowledgeBase.search(terms: terms, focus: query.focus, limit: technical ? limit * 2 : limit)
            matches = technical ? Self.technicalFirst(found, limit: limit) : found
        } catch {
            throw ProviderError(code: "unavailable", message: "The local knowledge base failed: \(error.message)")
        }
        return matches.map { match in
            SearchHit(
                url: match.url, title: match.title,
                snippet: match.snippet,
                score: match.score, passages: Array(match.passages.prefix(passagesPerHit)),
                collection: match.collection)
        }
    }

    /// URL prefixes of the general-language dictionaries (WordNet, GCIDE).
    static let generalLanguagePrefixes = [DictionaryFormat.wordNet, .gcide].map {
        KnowledgeBaseDocument.uri($0.rawValue, "")
    }

    /// `matches` with general-language dictionary entries after the others, order kept otherwise.
    static func technicalFirst(_ matches: [KnowledgeBase.Match], limit: Int) -> [KnowledgeBase.Match] {
        let general = matches.filter { match in generalLanguagePrefixes.contains { match.url.hasPrefix($0) } }
        let others = matches.filter { match in !generalLanguagePrefixes.contains { match.url.hasPrefix($0) } }
        return Array((others + general).prefix(limit))
    }
}
