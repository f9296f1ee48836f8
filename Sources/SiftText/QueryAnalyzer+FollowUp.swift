import SiftCore

extension QueryAnalyzer {
    /// Words that point back at an earlier turn ("its population", "what about them").
    static let referringWords: Set<String> = [
        "it", "its", "it's", "they", "them", "their", "theirs", "this", "that", "these", "those", "there", "he",
        "him", "his", "she", "her", "hers", "same", "former", "latter",
    ]

    /// The content terms of the latest earlier question that a follow-up needs to be
    /// searched alone, or nil when it stands alone.
    ///
    /// A follow-up depends on what came before when it refers back ("its", "there",
    /// "what about ..."), or when it names at most two terms of its own. At most four
    /// terms are carried, those the follow-up does not already have.
    public func carriedTerms(for followUp: AnalyzedQuery, earlier: [String]) -> String? {
        guard let previous = earlier.last, followUp.kind == .question || followUp.kind == .keywords,
            let earlierQuery = try? analyze(previous)
        else { return nil }
        let words = tokenizer.tokens(in: followUp.normalized.lowercased())
        let lowered = followUp.normalized.lowercased()
        let refersBack =
            words.contains { Self.referringWords.contains($0) } || lowered.hasPrefix("what about")
            || lowered.hasPrefix("how about") || lowered.hasPrefix("and ")
        guard refersBack || followUp.terms.count <= 2 else { return nil }
        let own = Set(followUp.terms)
        let carried = earlierQuery.terms.filter { !own.contains($0) }.prefix(4)
        return carried.isEmpty ? nil : carried.joined(separator: " ")
    }
}
