import SiftCore

// Names in references: term lists ("errno.ENOLCK" then "No record locks available") and pages
// titled "name — description" ("json — JSON encoder and decoder").
extension FrameReader {
    /// The name a reference gives to the description a question quotes or paraphrases: a page
    /// titled "name — description", or a term list's term whose definition says it.
    static func identifierMatch(_ frame: QuestionFrame, text: String, title: String) -> Match? {
        let wanted = Set(roots(frame.subject))
        guard !wanted.isEmpty else { return nil }
        func share(_ description: some StringProtocol) -> Double {
            let present = Set(roots(String(description)))
            return Double(wanted.filter(present.contains).count) / Double(wanted.count)
        }
        if let dash = title.firstTitleDash() {
            let name = bareName(String(title[..<dash.lowerBound]))
            let description = title[dash.upperBound...]
            // The name counts too: "the epoll interface" is described by "epoll(7) — I/O event notification".
            let overlap = share(name + " " + description)
            if overlap >= 0.5, !name.isEmpty {
                return Match(answer: name, sentence: "\(name): \(trimmedSentence(String(description)))", strength: overlap)
            }
        }
        // A term's definition says what was asked when the two mostly share their words (every word
        // counts here: "No such device" is not "Cross-device link").
        let asked = LightStemmer.stems(tokenizer.tokens(in: frame.subject))
        var best: Match?
        for (term, definition) in termList(in: text) {
            let said = LightStemmer.stems(tokenizer.tokens(in: firstSentence(definition)))
            let common = Set(asked).intersection(said).count
            let overlap = 2 * Double(common) / Double(max(1, Set(asked).count + Set(said).count))
            guard overlap >= 0.6, overlap > best?.strength ?? 0 else { continue }
            best = Match(answer: term, sentence: "\(term): \(trimmedSentence(definition))", strength: overlap)
        }
        return best
    }

    /// What a page titled "name — description" says of itself, when `subject` is its name
    /// ("xattr" → "xattr: Extended attributes").
    public static func titleDefinition(subject: String, title: String) -> Match? {
        guard let dash = title.firstTitleDash() else { return nil }
        let name = bareName(String(title[..<dash.lowerBound]))
        guard !name.isEmpty, stems(name) == stems(bareName(subject)) else { return nil }
        return Match(answer: nil, sentence: "\(name): \(trimmedSentence(String(title[dash.upperBound...])))", strength: 1)
    }

    /// What a term list says of `subject` ("ENOLCK" → "errno.ENOLCK: No record locks available").
    public static func termDefinition(subject: String, text: String) -> Match? {
        let key = subject.lowercased()
        guard !key.contains(" "), key.count >= 2 else { return nil }
        for (term, definition) in termList(in: text) where term.lowercased() == key {
            return Match(answer: nil, sentence: "\(term): \(trimmedSentence(definition))", strength: 1)
        }
        return nil
    }

    /// The (term, definition) pairs of a reference passage: a line that is one identifier
    /// ("errno.EAGAIN", "exception ModuleNotFoundError", "EPERM"), then a line of prose.
    static func termList(in text: String) -> [(term: String, definition: String)] {
        let lines = TextNormalization.split(text, on: "\n").map { TextNormalization.trim($0) }
        var pairs: [(String, String)] = []
        for index in lines.indices.dropLast() {
            guard let term = identifier(in: lines[index]) else { continue }
            let next = lines[index + 1]
            guard TextNormalization.split(next, on: " ").count >= 2, identifier(in: next) == nil else { continue }
            pairs.append((term, String(next)))
        }
        return pairs
    }

    /// The identifier a term line names: its last dotted part, after a "exception"/"class" keyword.
    static func identifier(in line: Substring) -> String? {
        var words = TextNormalization.split(line, on: " ")
        if words.count == 2, ["exception", "class", "errno", "signal", "constant", "data"].contains(words[0].lowercased()) {
            words.removeFirst()
        }
        guard words.count == 1, var word = words.first else { return nil }
        if let paren = word.firstIndex(of: "(") { word = word[..<paren] }
        let last = word.split(separator: ".").last ?? word
        guard last.count >= 2, last.first?.isLetter == true,
            last.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
        else { return nil }
        // A name, not an ordinary word that opens a sentence.
        guard last.contains(where: \.isUppercase) || last.contains("_") || word.contains(".") else { return nil }
        return String(last)
    }

    /// Content words reduced to a rough root, so that "encoding" meets "encoder" and "decoding" meets
    /// "decoder": plural, -ing, -er, -ion, -ed and -ly endings cut while three letters remain.
    static func roots(_ text: String) -> [String] {
        tokenizer.tokens(in: text).filter { !StopWords.english.contains($0) }.map { word in
            var root = LightStemmer.stem(word)
            // Two rounds: "comparisons" → "comparis" → "compar", as "comparing" → "compar".
            for _ in 0..<2 {
                for suffix in ["ing", "ers", "er", "ions", "ion", "is", "ed", "ly", "es", "e"]
                where root.hasSuffix(suffix) && root.count - suffix.count >= 3 {
                    root = String(root.dropLast(suffix.count))
                    break
                }
            }
            return root
        }
    }

    /// "epoll(7)" → "epoll"; "json" stays.
    static func bareName(_ name: String) -> String {
        var base = Substring(TextNormalization.trim(name))
        if let paren = base.firstIndex(of: "("), paren > base.startIndex { base = base[..<paren] }
        return String(base)
    }
}
