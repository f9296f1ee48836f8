import SiftCore

/// Reads whether a passage answers a ``QuestionFrame``, and with what.
///
/// - A reverse relation (``QuestionFrame/Relation/isReverse``) is answered by a passage whose
///   statement puts a relation word just before the subject ("leveret: a young hare", "Lima:
///   the capital and largest city of Peru", "bark: the sound made by a dog"); the answer is the
///   passage's headword (or its page title), which must not be the subject itself.
/// - A forward relation is answered by a passage about the subject (its headword or title is
///   the subject, or its sentence opens with the subject): the symbol written after "symbol",
///   the words whose initials spell an abbreviation, the predecessor after "succeeded", or, for
///   where, when, what-of and what-is questions, the sentence that states it.
public enum FrameReader {
    /// What one passage says to a frame.
    public struct Match: Sendable, Equatable {
        /// The answer entity as the source writes it ("leveret", "Fe"), when the passage names
        /// one apart from its sentence; nil when the sentence itself is the answer.
        public var answer: String?
        /// The sentence that states the answer, in the source's words, without final punctuation.
        public var sentence: String
        /// How plainly the passage states it, 0 to 1.
        public var strength: Double
    }

    static let tokenizer = Tokenizer()

    /// Words that may stand between a relation word and the subject ("the capital and largest city
    /// of Peru", "a group of lions", "the sound made by a dog", "adult female chicken").
    static let linkWords: Set<String> = [
        "of", "a", "an", "the", "by", "for", "to", "or", "and", "made", "produced", "uttered", "typical", "any",
        "certain", "some", "various", "adult", "mature", "domestic", "wild", "common", "young", "female", "male",
        "large", "small", "largest", "city", "chief", "characteristic", "familiar", "usually", "especially",
        "member", "members", "other", "as",
    ]

    /// Relations asked with an adjective before the subject ("a young X", "a female X").
    static let adjectiveRelations: Set<QuestionFrame.Relation> = [.young, .female, .male]

    /// Words that put a relation in the past: "a former capital", "the onetime capital".
    static let pastMarkers: Set<String> = ["former", "formerly", "onetime", "erstwhile", "ex", "old", "ancient", "historic", "historical", "previous", "once"]

    /// How `text` (a passage of a source titled `title`) answers `frame`, or nil.
    public static func match(_ frame: QuestionFrame, text: String, title: String) -> Match? {
        if frame.relation == .identifier {
            return identifierMatch(frame, text: text, title: title)
                ?? (SentenceForm.entry(in: text, title: title) == nil
                    ? proseMatch(frame, text: text, subject: stems(frame.subject)) : nil)
        }
        if frame.relation == .definition, let term = termDefinition(subject: frame.subject, text: text)
            ?? titleDefinition(subject: frame.subject, title: title)
        {
            return term
        }
        let entry = SentenceForm.entry(in: text, title: title)
        let headword = entry.map { String($0.headword) } ?? title
        // A dictionary sense lists its other names: "[syn: Andrew Johnson, President Johnson]".
        let (statement, synonyms) = splitSynonyms(entry.map { String($0.body) } ?? text)
        let subject = stems(frame.subject)
        guard !subject.isEmpty else { return nil }
        // "which element has atomic number 60": the entry that lists the subject among its names.
        if frame.relation == .bearer, entry != nil, stems(headword) != subject,
            !isSymbolShaped(Substring(headword)), !headword.contains(where: \.isNumber),
            synonyms.contains(where: { stems($0) == subject })
        {
            let kinds = Set(frame.relationWords.dropFirst())
            if kinds.isEmpty || !Set(tokenizer.tokens(in: statement)).isDisjoint(with: kinds) {
                return Match(answer: headword, sentence: entrySentence(name: headword, statement: statement) + "; \(frame.subject)", strength: 1)
            }
        }
        if entry != nil, let found = synonymMatch(
            frame, name: headword, statement: statement, synonyms: synonyms, subject: subject)
        {
            return found
        }
        // A person filed under the surname is named in full: "Andrew Johnson" for "Johnson".
        let name = fullName(headword, synonyms: synonyms)
        let found = structuredMatch(
            frame, name: name, headword: headword, statement: statement, synonyms: synonyms, subject: subject,
            isEntry: entry != nil, text: text)
        // A page's prose states facts anywhere in its body, under a title of its own ("Pisa: an overview").
        if found == nil, entry == nil { return proseMatch(frame, text: text, subject: subject) }
        return found
    }

    static func structuredMatch(
        _ frame: QuestionFrame, name: String, headword: String, statement: String, synonyms: [String],
        subject: [String], isEntry: Bool, text: String
    ) -> Match? {
        if frame.relation.isReverse {
            return reverseMatch(
                frame, name: name, statement: statement, subject: subject, isEntry: isEntry, synonyms: synonyms)
        }
        // Who made X: a person's entry that names X as their work ("inventor of the telephone"),
        // else X's own entry when it says by whom ("a tragedy written by William Shakespeare").
        if frame.relation == .creator {
            if let reverse = reverseMatch(frame, name: name, statement: statement, subject: subject, isEntry: isEntry) {
                return reverse
            }
            let tokens = Set(tokenizer.tokens(in: statement))
            guard tokens.contains("by"), !tokens.isDisjoint(with: frame.relationWords) else { return nil }
        }
        return forwardMatch(
            frame, name: name, statement: statement, subject: subject, entry: isEntry, text: text,
            alsoNamed: isEntry ? [headword] + synonyms : [])
    }

    /// A sentence of a page's body that states the relation of the subject: "Male has long been the
    /// capital city of Maldives" (the answer is the name the sentence opens with, or the one after its
    /// verb), "Henri Rousseau was born in 1844", "Pisa is a city in Tuscany".
    static func proseMatch(_ frame: QuestionFrame, text: String, subject: [String]) -> Match? {
        let sentences = SentenceSplitter().sentences(in: text).prefix(40).map(trimmedSentence)
        let cues = Set(LightStemmer.stems(frame.relationWords))
        for sentence in sentences {
            let tokens = LightStemmer.stems(tokenizer.tokens(in: SentenceForm.withoutParentheticals(sentence)))
            guard let at = occurrences(of: subject, in: tokens).first else { continue }
            if frame.relation == .identifier || frame.relation == .bearer {
                // "The message "Illegal seek" belongs to the errno value ESPIPE", "The element with atomic
                // number 24 is chromium": the sentence holding the description and a defining verb.
                if !Set(tokens).isDisjoint(with: definingVerbs) { return Match(answer: nil, sentence: sentence, strength: 0.6) }
                continue
            }
            if frame.relation.isReverse || frame.relation == .creator {
                // The relation word before the subject, only link words between.
                let window = tokens[max(0, at - 7)..<at]
                guard let cue = window.lastIndex(where: cues.contains),
                    !(cue + 1 < at && tokens[cue + 1] == "by" && [.successor, .predecessor].contains(frame.relation)),
                    tokens[(cue + 1)..<at].allSatisfy({ linkWords.contains($0) || cues.contains($0) }),
                    let answer = namedEntity(in: sentence, besides: subject)
                        ?? (frame.answerType == .term ? predicate(of: sentence, besides: subject) : nil)
                else { continue }
                return Match(answer: answer, sentence: sentence, strength: 0.7)
            }
            // "EBADSLT means …", "OED is short for …", "X is usually abbreviated to …", "the xattr(7) manual
            // page is about …": a defining verb right after the subject.
            // Within the subject's own clause, right after it ("(7)" numbers aside).
            let clauseEnd = tokens.count
            let after = tokens[min(clauseEnd, at + subject.count)...].filter { !$0.allSatisfy(\.isNumber) }.prefix(3)
            let ownClause = !sentence.lowercased().contains(";")
            let defines = ownClause && !after.filter(definingVerbs.contains).isEmpty
            let states: Bool
            switch frame.relation {
            case .time: states = containsYear(sentence)
            case .number:
                states = !Set(tokens).isDisjoint(with: cues) && tokens.contains { $0.allSatisfy(\.isNumber) }
            case .definition, .expansion, .abbreviation, .bearer, .identifier: states = defines
            case .symbol: states = writtenAfter(["symbol"], in: sentence, shape: isSymbolShaped) != nil
            case .location:
                let words = sentence.split(separator: " ")
                states = zip(words, words.dropFirst()).contains { $0.lowercased() == "in" && $1.first?.isUppercase == true }
            case .material, .creator, .predecessor:
                states = !Set(tokenizer.tokens(in: sentence)).isDisjoint(with: frame.relationWords)
            default: states = false
            }
            if states { return Match(answer: nil, sentence: sentence, strength: 0.7) }
        }
        return nil
    }

    /// The one to three words after a sentence's last copula ("The collective noun for the quail is bevy").
    static func predicate(of sentence: String, besides subject: [String]) -> String? {
        let words = sentence.split(separator: " ").map(String.init)
        guard let copula = words.lastIndex(where: { ["is", "are", "was", "were"].contains($0.lowercased()) }),
            copula + 1 < words.count
        else { return nil }
        let rest = words[(copula + 1)...].filter { !["a", "an", "the"].contains($0.lowercased()) }
        guard !rest.isEmpty, rest.count <= 3 else { return nil }
        let phrase = rest.joined(separator: " ").filter { $0.isLetter || $0 == " " || $0 == "-" }
        return stems(phrase) == subject ? nil : phrase
    }

    /// Verbs with which a sentence says what its subject is or means.
    static let definingVerbs: Set<String> = [
        "is", "are", "was", "were", "mean", "means", "stand", "stands", "belong", "belongs", "refer", "refers",
        "denote", "denotes", "abbreviated", "short", "describe", "describes", "subclass",
    ]

    /// The capitalized name a sentence opens with ("Male has long been …"), or the one after its verb
    /// ("The capital of Maldives is Male"), when it is not the subject.
    static func namedEntity(in sentence: String, besides subject: [String]) -> String? {
        let words = sentence.split(separator: " ").map { $0.filter { $0.isLetter || $0 == "-" || $0 == "'" } }
        func run(from start: Int) -> String? {
            var end = start
            while end < words.count, let first = words[end].first, first.isUppercase { end += 1 }
            guard end > start else { return nil }
            let name = words[start..<end].joined(separator: " ")
            return stems(name) == subject || ["The", "A", "An", "It", "This"].contains(name) ? nil : name
        }
        if let opening = run(from: 0) { return opening }
        for (index, word) in words.enumerated() where ["is", "was", "are", "were"].contains(word) && index + 1 < words.count {
            if let after = run(from: index + 1) { return after }
        }
        return nil
    }

    /// The content-word stems of `text`, articles dropped.
    static func stems(_ text: String) -> [String] {
        LightStemmer.stems(tokenizer.tokens(in: text).filter { !["a", "an", "the"].contains($0) })
    }

    // MARK: Reverse relations: the answer is the passage's name

    static func reverseMatch(
        _ frame: QuestionFrame, name: String, statement: String, subject: [String], isEntry: Bool,
        synonyms: [String] = []
    ) -> Match? {
        let nameStems = stems(name)
        guard !nameStems.isEmpty, nameStems != subject else { return nil }
        let cues = Set(LightStemmer.stems(frame.relationWords))
        // The first clause states what the headword is; later clauses add facts about it.
        let clauses = clauses(of: statement)
        // A person may be named by the surname alone: "succeeded Lincoln" for "Abraham Lincoln".
        var forms = [subject]
        if frame.answerType == .person, subject.count >= 2, let surname = subject.last { forms.append([surname]) }
        for (formIndex, subject) in forms.enumerated() {
        for (clauseIndex, clause) in clauses.prefix(3).enumerated() {
            let tokens = LightStemmer.stems(tokenizer.tokens(in: SentenceForm.withoutParentheticals(clause)))
            for start in occurrences(of: subject, in: tokens) {
                // The subject must stand as a whole name: "South Australia" does not name "Australia".
                if start > 0, !linkWords.contains(tokens[start - 1]), !cues.contains(tokens[start - 1]) { continue }
                let window = tokens[max(0, start - 7)..<start]
                guard let cueIndex = window.lastIndex(where: cues.contains) else { continue }
                // Between the cue and the subject link words ("capital and largest city of"), and at most a
                // few others ("capital of the People's Republic of China").
                let between = tokens[(cueIndex + 1)..<start]
                // "X was succeeded by Lincoln" says who came before Lincoln, not after.
                if between.first == "by", [.successor, .predecessor].contains(frame.relation) { continue }
                let others = between.filter { !linkWords.contains($0) && !cues.contains($0) }.count
                guard others <= 3 else { continue }
                // "a former capital of China" names what it no longer is.
                if tokens[max(0, cueIndex - 2)..<cueIndex].contains(where: pastMarkers.contains) { continue }
                // An entry is a young (female, male) X when its definition says so ("a female fox", "any
                // young animal, especially a young kangaroo"), not when the phrase qualifies the first noun
                // of something else ("eggs of female fish").
                if isEntry, clauseIndex == 0, adjectiveRelations.contains(frame.relation), cueIndex >= 2,
                    tokens[cueIndex - 1] == "of", !linkWords.contains(tokens[cueIndex - 2])
                {
                    continue
                }
                var strength = isEntry ? 1.0 : 0.8
                // The plainest definition names the thing best: "tom: male cat" over "gib-cat: a male cat,
                // esp. an old one".
                strength -= 0.02 * Double(min(10, tokens.count - start - subject.count))
                if clauseIndex > 0 { strength -= 0.3 }
                if cueIndex > 3 { strength -= 0.2 }
                strength -= 0.05 * Double(between.count) + 0.15 * Double(others) + 0.1 * Double(formIndex)
                // A dictionary's other one-word names for the same thing are answers too ("tercel, tassel").
                let aliases = synonyms.filter { !$0.contains(" ") && $0 != name && stems($0) != subject }.prefix(2)
                let shown = aliases.isEmpty ? name : "\(name) (also \(aliases.joined(separator: ", ")))"
                let sentence = isEntry ? entrySentence(name: shown, statement: statement) : naming(name, sentenceHolding(clause, in: statement))
                return Match(answer: name, sentence: sentence, strength: max(0.1, strength))
            }
        }
        }
        return nil
    }

    // MARK: Forward relations: the answer is in the subject's own passage

    static func forwardMatch(
        _ frame: QuestionFrame, name: String, statement: String, subject: [String], entry: Bool, text: String,
        alsoNamed: [String] = []
    ) -> Match? {
        let nameStems = stems(name)
        // The entry is about the subject when the subject is one of its names ("Charlie Parker" for the
        // entry "Parker"); a person's entry without one is filed under the surname ("Andersen").
        let namedSo = alsoNamed.contains { stems($0) == subject }
        let bySurname = !namedSo && nameStems.count == 1 && subject.count >= 2 && subject.last == nameStems[0]
            && name.first?.isUppercase == true && alsoNamed.count <= 1
        let aboutByName =
            nameStems == subject || namedSo || bySurname
            || (nameStems.count > subject.count && nameStems.suffix(subject.count) == subject[...] && subject.count >= 2)
        let opening = LightStemmer.stems(tokenizer.tokens(in: firstSentence(statement)))
        let aboutByOpening = !aboutByName && opening.count > subject.count && Array(opening.prefix(subject.count)) == subject
        switch frame.relation {
        case .symbol:
            if let symbol = writtenAfter(["symbol"], in: text, shape: isSymbolShaped), aboutByName || aboutByOpening
                || mentions(subject, text)
            {
                return Match(answer: symbol, sentence: sentenceHolding(symbol, in: statement), strength: 1)
            }
            return nil
        case .expansion:
            let letters = Array(frame.subject.filter(\.isLetter).lowercased())
            guard letters.count >= 2 else { return nil }
            // A headword whose initials spell the abbreviation ("North Atlantic Treaty Organization").
            if !aboutByName, initials(of: name) == letters {
                return Match(answer: name, sentence: entrySentence(name: name, statement: statement), strength: 0.9)
            }
            // The entry of the abbreviation, opening with its expansion ("TCP: Transmission Control Protocol").
            if aboutByName, let words = expansion(spelling: letters, in: statement) {
                return Match(answer: words, sentence: entrySentence(name: name, statement: statement), strength: 0.9)
            }
            return nil
        case .abbreviation:
            guard !aboutByName, name.count <= 8, name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "." }),
                initials(of: frame.subject) == Array(name.filter(\.isLetter).lowercased())
            else { return nil }
            return Match(answer: name, sentence: entrySentence(name: name, statement: statement), strength: 0.9)
        case .predecessor:
            guard aboutByName || aboutByOpening, let who = writtenAfter(["succeeded", "replaced"], in: statement, shape: isName)
            else { return nil }
            return Match(answer: who, sentence: sentenceHolding(who, in: entry ? entrySentence(name: name, statement: statement) : statement), strength: 1)
        default:
            guard aboutByName || aboutByOpening else { return nil }
            let lead = entry ? entrySentence(name: name, statement: statement) : firstSentence(statement)
            var strength = aboutByName ? 1.0 : 0.8
            if bySurname { strength -= 0.1 }
            switch frame.relation {
            // A date or a figure is only answered by a passage that has one.
            case .time: if !containsYear(statement) { return nil }
            case .number:
                // "atomic number 6", "population of 307,700": the figure the relation names.
                if let figure = writtenAfter(frame.relationWords, in: statement, shape: { $0.first?.isNumber == true }) {
                    return Match(answer: figure, sentence: sentenceHolding(figure, in: statement), strength: strength)
                }
                return nil
            default: break
            }
            // A definition that holds the relation's words says more ("an alloy of copper and tin");
            // one that names the subject again ("made of bronze") says less.
            let cues = Set(frame.relationWords)
            let statementTokens = tokenizer.tokens(in: statement)
            if [.material, .creator, .time, .number].contains(frame.relation),
                !Set(statementTokens).isDisjoint(with: cues)
            {
                strength += 0.1
            }
            if !occurrences(of: subject, in: LightStemmer.stems(statementTokens)).isEmpty { strength -= 0.2 }
            // The sentence that holds the relation's words, when a later one does ("made from", "born in").
            if frame.relation == .time || frame.relation == .material || frame.relation == .creator
                || frame.relation == .number
            {
                let sentences = SentenceSplitter().sentences(in: statement)
                if let better = sentences.first(where: { sentence in
                    let tokens = Set(tokenizer.tokens(in: sentence))
                    return !tokens.isDisjoint(with: cues)
                        && (frame.relation != .time || containsYear(sentence))
                }), better != sentences.first {
                    return Match(answer: nil, sentence: trimmedSentence(better), strength: strength)
                }
            }
            return Match(answer: nil, sentence: lead, strength: strength)
        }
    }

    // MARK: Helpers

    /// The clauses of a gloss or sentence, split at semicolons and sentence ends.
    static func clauses(of text: String) -> [String] {
        var result: [String] = []
        for sentence in SentenceSplitter().sentences(in: text) {
            result += sentence.split(separator: ";").map { String(TextNormalization.trim($0)) }.filter { !$0.isEmpty }
        }
        return result
    }

    static func occurrences(of run: [String], in tokens: [String]) -> [Int] {
        guard !run.isEmpty, tokens.count >= run.count else { return [] }
        return (0...(tokens.count - run.count)).filter { Array(tokens[$0..<($0 + run.count)]) == run }
    }

    /// Whether every one of `words` is in `text` (as a token, plurals aside).
    public static func mentionsAll(_ words: [String], in text: String) -> Bool {
        let present = Set(stems(text))
        return stems(words.joined(separator: " ")).allSatisfy(present.contains)
    }

    static func mentions(_ subject: [String], _ text: String) -> Bool {
        !occurrences(of: subject, in: LightStemmer.stems(tokenizer.tokens(in: text))).isEmpty
    }

    /// "Canberra is the capital of Australia" from a dictionary entry.
    static func entrySentence(name: String, statement: String) -> String {
        if let entry = DictionaryEntry(text: "\(name): \(statement)", title: name) {
            return entry.sentence
        }
        // A page's own sentence ("The National Aeronautics and Space Administration is ...") reads as it is.
        return naming(name, firstSentence(statement))
    }

    /// `sentence`, introduced by `name` when it does not say it ("Mercury: it has symbol Hg").
    static func naming(_ name: String, _ sentence: String) -> String {
        let nameStems = stems(name)
        if nameStems.isEmpty || !occurrences(of: nameStems, in: stems(sentence)).isEmpty { return sentence }
        return "\(name): \(sentence)"
    }

    /// A dictionary statement without its trailing `[syn: a, b]` list, and that list.
    public static func splitSynonyms(_ statement: String) -> (body: String, synonyms: [String]) {
        guard statement.hasSuffix("]"), let open = statement.ranges(of: " [syn: ").last else { return (statement, []) }
        let list = statement[open.upperBound..<statement.index(before: statement.endIndex)]
        let synonyms = list.split(separator: ",").map { String(TextNormalization.trim($0)) }.filter { !$0.isEmpty }
        return (String(statement[..<open.lowerBound]), synonyms)
    }

    /// The longest synonym that ends with a one-word capitalized headword ("Andrew Johnson" for
    /// "Johnson"), else the headword.
    static func fullName(_ headword: String, synonyms: [String]) -> String {
        guard !headword.contains(" ") else { return headword }
        let longer = synonyms.filter { $0.lowercased().hasSuffix(" " + headword.lowercased()) && $0.first?.isUppercase == true }
            .filter { !$0.lowercased().hasPrefix("president ") && !$0.lowercased().hasPrefix("saint ") }
        return longer.max { $0.count < $1.count } ?? headword
    }

    /// An answer among the other names of the subject's own entry: its symbol ("Fe"), its figure
    /// ("atomic number 26"), its expansion or abbreviation, or what a symbol names.
    static func synonymMatch(
        _ frame: QuestionFrame, name: String, statement: String, synonyms: [String], subject: [String]
    ) -> Match? {
        guard !synonyms.isEmpty, stems(name) == subject else { return nil }
        let lead = entrySentence(name: name, statement: statement)
        switch frame.relation {
        case .symbol:
            guard let symbol = synonyms.first(where: { isSymbolShaped(Substring($0)) }) else { return nil }
            return Match(answer: symbol, sentence: lead + "; also written \(symbol)", strength: 1)
        case .number:
            let cues = Set(frame.relationWords)
            guard let figure = synonyms.first(where: { synonym in
                synonym.contains(where: \.isNumber) && !Set(tokenizer.tokens(in: synonym)).isDisjoint(with: cues)
            }), let digits = figure.split(separator: " ").last(where: { $0.allSatisfy(\.isNumber) })
            else { return nil }
            return Match(answer: String(digits), sentence: lead + "; \(figure)", strength: 1)
        case .expansion:
            let letters = Array(frame.subject.filter(\.isLetter).lowercased())
            guard let long = synonyms.first(where: { $0.contains(" ") && initials(of: $0) == letters }) else { return nil }
            return Match(answer: long, sentence: entrySentence(name: "\(name) (\(long))", statement: statement), strength: 1)
        case .abbreviation:
            let letters = initials(of: frame.subject)
            guard let short = synonyms.first(where: { synonym in
                synonym.count <= 8 && synonym.allSatisfy { $0.isUppercase || $0.isNumber }
                    && Array(synonym.filter(\.isLetter).lowercased()) == letters
            }) else { return nil }
            return Match(answer: short, sentence: entrySentence(name: "\(name) (\(short))", statement: statement), strength: 1)
        case .bearer:
            // "which element has the symbol W": the sense that is an element, not "W: west".
            let kinds = Set(frame.relationWords.dropFirst())
            if !kinds.isEmpty, Set(tokenizer.tokens(in: statement)).isDisjoint(with: kinds) { return nil }
            guard let named = synonyms.first(where: { !isSymbolShaped(Substring($0)) && !$0.contains(where: \.isNumber) })
            else { return nil }
            return Match(answer: named, sentence: "\(name) is another name for \(named): \(firstSentence(statement))", strength: 1)
        default:
            return nil
        }
    }

    static func firstSentence(_ text: String) -> String {
        trimmedSentence(SentenceSplitter().sentences(in: text).first ?? text)
    }

    static func trimmedSentence(_ text: String) -> String {
        String(TextNormalization.trim(text).droppingSuffix { ".!? ".contains($0) })
    }

    static func sentenceHolding(_ word: String, in text: String) -> String {
        let sentences = SentenceSplitter().sentences(in: text)
        return trimmedSentence(sentences.first { $0.contains(word) } ?? sentences.first ?? text)
    }

    /// The word written within three words after one of `cues` that has the given shape, as written.
    static func writtenAfter(_ cues: [String], in text: String, shape: (Substring) -> Bool) -> String? {
        let words = text.split(whereSeparator: { $0.isWhitespace })
        for (index, word) in words.enumerated() {
            let bare = word.lowercased().filter(\.isLetter)
            guard cues.contains(bare) || cues.contains(where: { bare == $0 + "s" }) else { continue }
            // "succeeded by X" names the other side of the relation.
            if index + 1 < words.count, words[index + 1].lowercased() == "by" { continue }
            for next in words[(index + 1)..<min(words.count, index + 4)] {
                let trimmed = next.drop { !$0.isLetter && !$0.isNumber }.droppingSuffix { !$0.isLetter && !$0.isNumber }
                if ["is", "was", "of", "the", "chemical", "by", "its", "element", "as"].contains(trimmed.lowercased()) { continue }
                if shape(trimmed) { return String(trimmed) }
                break
            }
        }
        return nil
    }

    /// "Fe", "B", "Uuo": a capital and at most two lower-case letters.
    static func isSymbolShaped(_ word: Substring) -> Bool {
        guard let first = word.first, first.isUppercase, (1...3).contains(word.count) else { return false }
        return word.dropFirst().allSatisfy(\.isLowercase)
    }

    /// A capitalized name: "Roosevelt", "Tiberius".
    static func isName(_ word: Substring) -> Bool {
        guard let first = word.first, first.isUppercase, word.count >= 2 else { return false }
        return word.allSatisfy(\.isLetter)
    }

    /// The first letters of a name's words, lowercased, small words skipped ("of", "and").
    static func initials(of name: String) -> [Character] {
        let small: Set<String> = ["of", "and", "the", "for", "in", "on", "a", "an", "to", "de", "&"]
        return name.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "/" })
            .filter { !small.contains($0.lowercased()) }
            .compactMap { $0.first?.lowercased().first }
    }

    /// The run of words at the start of `statement` (or after "for"/"stands for") whose initials
    /// spell `letters`.
    static func expansion(spelling letters: [Character], in statement: String) -> String? {
        let words = statement.split(whereSeparator: { $0.isWhitespace })
        let small: Set<String> = ["of", "and", "the", "for", "in", "on", "a", "an", "to"]
        for start in 0..<min(words.count, 6) {
            var matched = 0
            var end = start
            while end < words.count, matched < letters.count {
                let word = words[end].filter { $0.isLetter || $0 == "-" }
                if small.contains(word.lowercased()) && matched > 0 {
                    end += 1
                    continue
                }
                guard let first = word.first?.lowercased().first, first == letters[matched] else { break }
                matched += 1
                end += 1
            }
            if matched == letters.count {
                let phrase = words[start..<end].joined(separator: " ")
                return String(phrase.droppingSuffix { !$0.isLetter })
            }
        }
        return nil
    }

    static func containsYear(_ text: String) -> Bool {
        var digits = 0
        for c in text {
            if c.isNumber { digits += 1 } else {
                if digits == 3 || digits == 4 { return true }
                digits = 0
            }
        }
        return digits == 3 || digits == 4
    }
}
