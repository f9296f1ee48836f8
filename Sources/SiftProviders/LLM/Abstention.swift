/// Recognizes a model's answer that declines to answer ("The sources do not answer this
/// question", "I could not find this in the provided sources"), so that the LLM path reports
/// the same `no_answer` signal as the extractive one.
enum Abstention {
    /// Phrases of a declining answer, lowercased, with straight apostrophes.
    static let phrases = [
        "sources do not answer", "sources don't answer", "sources do not say", "sources don't say",
        "sources do not mention", "sources don't mention", "sources do not contain", "sources don't contain",
        "sources do not provide", "sources don't provide", "not in the sources", "not mentioned in the sources",
        "no information about", "no information on", "could not find", "couldn't find", "cannot find",
        "can't find", "unable to find", "unable to answer", "cannot answer", "can't answer", "do not know",
        "don't know", "not provided in the", "does not provide", "doesn't provide",
    ]

    /// Whether `answer` declines: one of ``phrases`` in its first sentence (a model that answers and
    /// then remarks on what the sources lack still answered).
    static func declines(_ answer: String) -> Bool {
        let text = answer.lowercased().replacing("’", with: "'")
        let trimmed = text.drop { $0 == " " || $0 == "\n" }
        let end = trimmed.firstIndex { ".!?\n".contains($0) } ?? trimmed.endIndex
        let first = trimmed[..<end]
        if first.isEmpty { return true }
        return phrases.contains { first.contains($0) }
    }
}
