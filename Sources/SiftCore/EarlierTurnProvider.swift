/// Offers a follow-up the sources the session's previous answer stood on, so that
/// "and its population?" can be answered from the page that named the city.
///
/// It takes part in fusion like any provider (named `session`): a source that a
/// search finds again merges with it, and its passages compete in ranking.
struct EarlierTurnProvider: SearchProvider {
    let turn: ConversationTurn
    let name = "session"

    func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        let hits = turn.sources.prefix(limit).enumerated().map { rank, source in
            SearchHit(
                url: source.url, title: source.title, snippet: source.snippet,
                score: Double(turn.sources.count - rank), published: source.published,
                passages: turn.passages.filter { $0.sourceN == source.n }.map(\.text),
                collection: source.collection)
        }
        return SearchResults(hits: hits)
    }
}
