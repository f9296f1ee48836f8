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

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> [SearchHit] {
        var terms = query.terms
        if terms.isEmpty {
            // Nothing survived stop-word removal ("what is it"): fall back to the words typed.
            terms = FTSQuery.words(query.normalized)
        }
        let matches: [KnowledgeBase.Match]
        do {
            matches = try knowledgeBase.search(terms: terms, focus: query.focus, limit: limit)
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
}
