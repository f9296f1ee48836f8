import SiftCore

// The question frame: the relation a factual question asks of its subject.
extension QueryAnalyzer {
    /// The frame of a question (or a short keyword query): a relation such as "the capital of
    /// X" or "a young X", else a definition of the focus for "what is X" / "who was X".
    func questionFrame(normalized: String, kind: QueryKind) -> QuestionFrame? {
        guard kind == .question || kind == .keywords else { return nil }
        if let frame = QuestionFrameParser.parse(normalized) { return frame }
        guard kind == .question, var focus = Self.questionFocus(normalized) else { return nil }
        // "the word 'toxin'", "the term X": the subject is the word itself.
        for ending in [" among ", " in linux", " in python", " in unix", " in c "] {
            if let range = focus.firstRange(ofText: ending), range.lowerBound > focus.startIndex {
                focus = String(focus[..<range.lowerBound])
            }
        }
        for lead in ["word ", "term ", "phrase ", "expression ", "name ", "errno ", "error code ", "error ",
            "exception ", "signal ", "module ", "command ", "function ", "constant "]
        where focus.hasPrefix(lead) && focus.count > lead.count {
            focus = String(focus.dropFirst(lead.count))
            focus = String(focus.drop { "\"'`“‘".contains($0) }.droppingSuffix { "\"'`”’".contains($0) })
            break
        }
        let lower = QuestionFrameParser.normalize(normalized)
        let asksWhat = ["what is ", "what are ", "what was ", "what's ", "who is ", "who was ", "who were ",
            "who are ", "who's ", "define ", "what is meant by ", "what does "].contains { lower.hasPrefix($0) }
        guard asksWhat, !lower.hasPrefix("what does ") || lower.hasSuffix(" mean") else { return nil }
        let person = lower.hasPrefix("who")
        return QuestionFrame(
            relation: .definition, subject: focus, answerType: person ? .person : .description)
    }

    /// The terms searched for a framed question: the subject's words first, each kept even when
    /// it is short or a stop word where it names the subject ("In" for indium, "No" for nobelium,
    /// "B"), then the relation's own word, then the rest of the question's terms.
    func termsForFrame(_ frame: QuestionFrame, terms: [String], original: String) -> [String] {
        let subjectTokens = tokenizer.tokens(in: frame.subject)
        // An identifier asked about ("ENOLCK", "ModuleNotFoundError") is searched alone: the question's
        // other words ("among Linux error codes") only find other things.
        if frame.relation == .definition, subjectTokens.count == 1,
            let spelled = SentenceForm.spelling(of: frame.subject, in: original),
            spelled.count >= 4, spelled.contains(where: \.isUppercase),
            spelled.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) || SentenceForm.hasInnerCapitals(spelled)
        {
            return subjectTokens
        }
        let contentful = subjectTokens.filter { !StopWords.english.contains($0) }
        var result: [String] = []
        for token in subjectTokens where !result.contains(token) {
            let keep =
                !StopWords.english.contains(token) || contentful.isEmpty
                || Self.isWrittenAsName(token, in: original)
            if keep { result.append(token) }
        }
        let cue = frame.relationWords.first.map { [$0] } ?? []
        for term in cue + terms where !result.contains(term) {
            result.append(term)
        }
        return Array(result.prefix(Self.maxTerms))
    }

    /// Whether `token` is written with a capital, not as the question's first word ("As" in
    /// "what is the symbol As", "US" in "capital of the US").
    static func isWrittenAsName(_ token: String, in original: String) -> Bool {
        let words = original.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        for (index, word) in words.enumerated() where index > 0 && word.lowercased() == token {
            if word.first?.isUppercase == true { return true }
        }
        return false
    }
}
