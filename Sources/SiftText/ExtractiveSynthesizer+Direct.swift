import SiftCore

// Direct answers to framed questions, and abstention.
extension ExtractiveSynthesizer {
    /// Most sentences after a direct answer's lead.
    static let maxSupporting = 2

    /// The answer to a question that asks a relation of a subject: the sentence of the passage
    /// that states it best first, with every source that gives the same answer cited, then at most
    /// ``maxSupporting`` sentences about the answer or the subject. Nil when no passage states it.
    func directAnswer(
        _ frame: QuestionFrame, passages: [Passage], titles: [Int: String], candidates: [Candidate]
    ) -> String? {
        var matches: [(match: FrameReader.Match, passage: Passage, rank: Int)] = []
        for (rank, passage) in passages.enumerated() {
            if let match = FrameReader.match(frame, text: passage.text, title: titles[passage.sourceN] ?? "") {
                matches.append((match, passage, rank))
            }
        }
        let texts = passages.map { ($0.text, titles[$0.sourceN] ?? "") }
        if matches.isEmpty, let alias = FrameReader.aliasMatch(frame, passages: texts) {
            matches.append((alias.match, passages[alias.index], alias.index))
        }
        if matches.isEmpty, let next = FrameReader.successionMatch(frame, passages: texts) {
            matches.append((next.match, passages[next.index], next.index))
        }
        guard
            let best = matches.max(by: { a, b in
                a.match.strength != b.match.strength ? a.match.strength < b.match.strength : a.rank > b.rank
            })
        else { return nil }

        // Other sources naming the same answer support it.
        var citations = [best.passage.sourceN]
        let answerKey = best.match.answer.map { FrameReader.stems($0) }
        for other in matches where !citations.contains(other.passage.sourceN) && citations.count < 3 {
            let key = other.match.answer.map { FrameReader.stems($0) }
            if let answerKey, key == answerKey { citations.append(other.passage.sourceN) }
        }
        // A terse statement ("Symbol Na (Natrium)") is introduced by its source's name.
        var lead = best.match.sentence
        let labelled = lead.prefix(40).contains(text: ": ")
        if !labelled, SentenceForm.isVerbless(lead) || lead.split(separator: " ").count < 5
            || (best.match.answer != nil && !Self.speaksOf(frame.subject, sentence: lead, title: "")
                && !frame.relation.isReverse),
            let title = titles[best.passage.sourceN], !title.isEmpty, !Self.speaksOf(title, sentence: lead, title: "")
        {
            lead = "\(title): \(lead)"
        }
        var sentences = [Self.render(lead, citations: citations)]

        // Supporting sentences from other sources: about the answer entity when there is one
        // ("Na", "leveret"), else about the subject and saying some of what the lead says.
        let subjectTokens = FrameReader.stems(frame.subject)
        let entity = best.match.answer.map { FrameReader.stems($0) }
        let leadTokens = tokenizer.tokens(in: best.match.sentence)
        let leadContent = Set(LightStemmer.stems(leadTokens.filter { !StopWords.english.contains($0) }))
            .subtracting(subjectTokens)
        var used: [Set<String>] = [Set(leadTokens.filter { !StopWords.english.contains($0) })]
        let pool = candidates.filter { candidate in
            candidate.useful && !candidate.fragment && !candidate.excluded && !citations.contains(candidate.sourceN)
        }.sorted { $0.score > $1.score }
        for candidate in pool where sentences.count <= Self.maxSupporting {
            let stems = LightStemmer.stems(candidate.tokens)
            let supports: Bool
            if let entity {
                supports = SentenceForm.focusRole(of: entity, in: stems) >= .subject
            } else {
                let shared = Set(stems.filter { !StopWords.english.contains($0) }).intersection(leadContent)
                supports = SentenceForm.focusRole(of: subjectTokens, in: stems) >= .subject && shared.count >= 2
            }
            guard supports else { continue }
            let overlapsChosen = used.contains { TextSimilarity.overlapCoefficient(candidate.content, $0) >= 0.6 }
            if overlapsChosen || TextSimilarity.contains(eitherOf: candidate.tokens, leadTokens) { continue }
            used.append(candidate.content)
            sentences.append(Self.render(candidate.text, citations: [candidate.sourceN]))
            if entity == nil { break }
        }
        return sentences.joined(separator: " ")
    }

    /// A name the question spells as one (inner capitals such as "ShompuError", or a capitalized word
    /// that does not open the question) that no passage or title holds: the question is about
    /// something the sources do not know.
    func absentName(in query: AnalyzedQuery, passages: [Passage], titles: [Int: String]) -> String? {
        guard query.kind == .question || query.kind == .keywords else { return nil }
        var words = query.original.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
        // A framed question is about its subject: a name that only sets the scene ("the Linux man page
        // X", "Python's X") need not be in the source that answers it.
        if let frame = query.frame {
            let subject = Set(tokenizer.tokens(in: frame.subject))
            words = words.filter { subject.contains($0.lowercased()) }
        }
        let names = words.enumerated().compactMap { index, word -> String? in
            let capitalized = word.first?.isUppercase == true && (index > 0 || SentenceForm.hasInnerCapitals(word))
            guard capitalized, word.count >= 3, !StopWords.english.contains(word.lowercased()) else { return nil }
            return word.lowercased()
        }
        guard !names.isEmpty else { return nil }
        var present = Set<String>()
        for passage in passages {
            present.formUnion(tokenizer.tokens(in: passage.text))
            present.formUnion(tokenizer.tokens(in: titles[passage.sourceN] ?? ""))
        }
        return names.first { !present.contains($0) && !present.contains(LightStemmer.stem($0)) }
    }

    /// Whether a sentence (or its source's title) holds every content word of `subject`.
    static func speaksOf(_ subject: String, sentence: String, title: String) -> Bool {
        // "the current president of France" is answered by "the President of France".
        let timeless: Set<String> = ["current", "present", "today", "now", "currently", "presently", "modern", "contemporary"]
        let wanted = FrameReader.stems(subject).filter { !StopWords.english.contains($0) && !timeless.contains($0) }
        return FrameReader.mentionsAll(wanted, in: sentence + "\n" + title)
    }

    /// What is said when the sources do not answer: that plainly, then the closest sources by name.
    func abstention(passages: [Passage], titles: [Int: String]) -> String {
        var named: [String] = []
        var seen = Set<Int>()
        for passage in passages where seen.insert(passage.sourceN).inserted {
            let title = TextNormalization.trim(titles[passage.sourceN] ?? "")
            guard !title.isEmpty else { continue }
            named.append("\(title) [\(passage.sourceN)]")
            if named.count == 3 { break }
        }
        let plain = "The sources found do not answer this question."
        switch named.count {
        case 0: return plain
        case 1: return plain + " The closest is " + named[0] + "."
        default:
            return plain + " The closest are " + named.dropLast().joined(separator: ", ") + " and " + named.last! + "."
        }
    }
}

extension FrameReader {
    /// An answer given by a synonym entry: the symbol of iron is the entry "Fe" whose definition is
    /// word for word that of "iron" (a dictionary lists a thing's other names as entries of their
    /// own); likewise an abbreviation whose entry repeats its expansion's definition.
    public static func aliasMatch(
        _ frame: QuestionFrame, passages: [(text: String, title: String)]
    ) -> (match: Match, index: Int)? {
        guard [.symbol, .abbreviation, .expansion, .bearer].contains(frame.relation) else {
            return nil
        }
        let subject = stems(frame.subject)
        let entries = passages.map { SentenceForm.entry(in: $0.text, title: $0.title) }
        let subjectBodies = Set(entries.compactMap { entry -> String? in
            guard let entry, stems(String(entry.headword)) == subject else { return nil }
            return splitSynonyms(String(entry.body)).body
        })
        guard !subjectBodies.isEmpty else { return nil }
        for (index, entry) in entries.enumerated() {
            guard let entry, subjectBodies.contains(splitSynonyms(String(entry.body)).body) else { continue }
            let name = String(entry.headword)
            guard stems(name) != subject else { continue }
            let fits: Bool
            switch frame.relation {
            case .symbol: fits = isSymbolShaped(Substring(name))
            case .abbreviation: fits = name.count <= 8 && name.allSatisfy { $0.isUppercase || $0.isNumber }
            // What a symbol names: a plain word ("dubnium"), not another symbol or a number phrase.
            case .bearer: fits = !isSymbolShaped(Substring(name)) && !name.contains(where: \.isNumber)
            default: fits = name.contains(" ") && initials(of: name) == Array(frame.subject.filter(\.isLetter).lowercased())
            }
            guard fits else { continue }
            let gloss = firstSentence(splitSynonyms(String(entry.body)).body)
            let subjectAsWritten = entries.compactMap { $0 }.first { stems(String($0.headword)) == subject }
                .map { String($0.headword) } ?? frame.subject
            let sentence =
                frame.relation == .bearer
                ? "\(subjectAsWritten) is another name for \(name): \(gloss)"
                : "\(name) is another name for \(subjectAsWritten): \(gloss)"
            return (Match(answer: name, sentence: sentence, strength: 0.9), index)
        }
        return nil
    }
}
