import SiftCore

// Who came after or before someone in a numbered office: "28th President of the United States" is
// followed by the 29th.
extension FrameReader {
    /// A numbered office held: the number and the office's first word ("president", "king").
    public struct Office: Sendable, Equatable {
        public var number: Int
        public var role: String

        /// The office `offset` places later (or earlier), as a source writes it: "29th president".
        public func shifted(by offset: Int) -> Office? {
            number + offset > 0 ? Office(number: number + offset, role: role) : nil
        }

        /// "29th president".
        public var phrase: String { "\(FrameReader.ordinal(number)) \(role)" }
    }

    /// "1st", "2nd", "3rd", "11th", "22nd".
    public static func ordinal(_ number: Int) -> String {
        let suffix: String
        switch (number % 10, number % 100) {
        case (_, 11...13): suffix = "th"
        case (1, _): suffix = "st"
        case (2, _): suffix = "nd"
        case (3, _): suffix = "rd"
        default: suffix = "th"
        }
        return "\(number)\(suffix)"
    }

    /// The first numbered office `text` names: "the 28th president of the United States" → (28, "president").
    public static func office(in text: String) -> Office? {
        let tokens = tokenizer.tokens(in: text)
        for (index, token) in tokens.enumerated() where index + 1 < tokens.count {
            guard let number = ordinalValue(token) else { continue }
            let role = tokens[index + 1]
            guard role.count >= 3, role.allSatisfy(\.isLetter), !StopWords.english.contains(role) else { continue }
            return Office(number: number, role: role)
        }
        return nil
    }

    /// 28 for "28th", nil for anything else.
    static func ordinalValue(_ token: String) -> Int? {
        for suffix in ["st", "nd", "rd", "th"] where token.hasSuffix(suffix) {
            let digits = token.dropLast(2)
            if !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isNumber) { return Int(digits) }
        }
        return nil
    }

    /// The answer to "who came after (before) X" from the numbers of an office: X's own passage says
    /// "28th president", and another passage says "29th president" (or "27th"); its name answers.
    public static func successionMatch(
        _ frame: QuestionFrame, passages: [(text: String, title: String)]
    ) -> (match: Match, index: Int)? {
        guard frame.relation == .successor || frame.relation == .predecessor else { return nil }
        let subject = stems(frame.subject)
        var held: Office?
        for passage in passages {
            let entry = SentenceForm.entry(in: passage.text, title: passage.title)
            let name = stems(entry.map { String($0.headword) } ?? passage.title)
            let about = name == subject || (name.count == 1 && subject.last == name.first && subject.count >= 2)
            if about, let office = office(in: entry.map { String($0.body) } ?? passage.text) {
                held = office
                break
            }
        }
        guard let held, let wanted = held.shifted(by: frame.relation == .successor ? 1 : -1) else { return nil }
        for (index, passage) in passages.enumerated() {
            let entry = SentenceForm.entry(in: passage.text, title: passage.title)
            let (statement, synonyms) = splitSynonyms(entry.map { String($0.body) } ?? passage.text)
            guard let office = office(in: statement), office == wanted else { continue }
            let name = fullName(entry.map { String($0.headword) } ?? passage.title, synonyms: synonyms)
            guard stems(name) != subject else { continue }
            let sentence = entry != nil ? entrySentence(name: name, statement: statement) : sentenceHolding(ordinal(wanted.number), in: statement)
            return (Match(answer: name, sentence: sentence, strength: 0.9), index)
        }
        return nil
    }
}
