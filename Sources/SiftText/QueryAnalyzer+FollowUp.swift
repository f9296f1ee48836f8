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

extension QueryAnalyzer {
    /// The follow-up with its pronouns replaced by the subject of the latest earlier question
    /// ("what is its chemical symbol" after "tell me about iron" → "what is iron's chemical
    /// symbol"; "when was he born" after "who was Chopin" → "when was chopin born"), or nil
    /// when it names no pronoun or the earlier question had no subject.
    public func resolvingReferences(in followUp: String, earlier: [String]) -> String? {
        guard let previous = earlier.last, let earlierQuery = try? analyze(previous) else { return nil }
        var subject = earlierQuery.frame?.subject ?? earlierQuery.focus
        if subject == nil, earlierQuery.kind == .question || earlierQuery.kind == .keywords {
            // "tell me about iron": what the request is about.
            let lower = QuestionFrameParser.normalize(previous)
            for opener in ["tell me about ", "tell me more about ", "what about ", "about "] where lower.hasPrefix(opener) {
                subject = String(lower.dropFirst(opener.count))
                break
            }
        }
        guard let subject, !subject.isEmpty else { return nil }
        let possessives: Set<String> = ["its", "their", "his", "her"]
        let pronouns: Set<String> = ["it", "they", "them", "he", "him", "she"]
        var replaced = false
        // "this person", "that city", "the same country": a demonstrative and a noun name the subject too.
        var text = followUp
        for demonstrative in ["this ", "that ", "This ", "That "] {
            for noun in ["person", "man", "woman", "city", "country", "place", "element", "animal", "company", "thing",
                "writer", "composer", "painter", "president", "king", "queen", "scientist", "word", "one"]
            {
                let phrase = demonstrative + noun
                if let range = text.firstRange(of: phrase) {
                    let after = text[range.upperBound...]
                    if after.first.map({ $0.isLetter }) == true { continue }
                    text.replaceSubrange(range, with: subject)
                    replaced = true
                }
            }
        }
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            let core = word.lowercased().filter { $0.isLetter }
            let trailing = String(word.reversed().prefix { !$0.isLetter }.reversed())
            if possessives.contains(core) {
                replaced = true
                return subject + "'s" + trailing
            }
            if pronouns.contains(core) {
                replaced = true
                return subject + trailing
            }
            return String(word)
        }
        return replaced ? words.joined(separator: " ") : nil
    }
}
