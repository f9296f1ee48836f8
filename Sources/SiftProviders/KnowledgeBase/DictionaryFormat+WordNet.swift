extension DictionaryFormat {
    /// One WordNet entry:
    ///
    ///     Canberra
    ///         n 1: the capital of Australia; located in southeastern Australia
    ///              [syn: {Canberra}, {Australian capital}, {capital of
    ///              Australia}]
    ///
    /// gives the passage "Canberra: the capital of Australia; located in southeastern
    /// Australia" with the other synonyms as context. Quoted examples, `[ant: ...]` lists
    /// and braces are dropped.
    ///
    /// WordNet repeats a synset's gloss under each of its words ("capital of Australia"
    /// has its own copy of Canberra's gloss). A sense is kept under the first word of its
    /// `[syn: ...]` list (WordNet's head of the synset) and under its other one-word
    /// members, which people ask about ("bank" keeps "a financial institution", whose
    /// head is "depository financial institution"), but not under multi-word members: their
    /// copy would outrank the head and read "capital of Australia: the capital of
    /// Australia". The other members become the passage's context, so "capital of
    /// Australia" still finds Canberra.
    static func parseWordNet(_ text: String) -> (title: String, passages: [KnowledgeBaseDocument.Passage]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first else { return ("", []) }
        let headword = first.trimmingSpaces()
        var senses: [String] = []
        var current = ""
        for line in lines.dropFirst() {
            let indent = line.prefix(while: { $0 == " " }).count
            let content = line.dropFirst(indent)
            if content.isEmpty { continue }
            if indent <= 6, let body = wordNetSenseBody(content) {
                if !current.isEmpty { senses.append(current) }
                current = String(body)
            } else if !current.isEmpty {
                current += " " + content
            } else {
                current = String(content)
            }
        }
        if !current.isEmpty { senses.append(current) }

        var passages: [KnowledgeBaseDocument.Passage] = []
        let lowerHeadword = headword.lowercased()
        for sense in senses {
            let (gloss, synonyms) = cleanWordNetGloss(sense)
            guard !gloss.isEmpty else { continue }
            if let head = synonyms.first, head.lowercased() != lowerHeadword, headword.contains(" ") { continue }
            let others = synonyms.filter { $0.lowercased() != lowerHeadword }
            // The other names stay readable in the text too ("[syn: Fe, atomic number 26]"): they answer
            // questions of symbols, abbreviations and full names; readers drop the brackets when they render.
            let names = others.isEmpty ? "" : " [syn: " + others.joined(separator: ", ") + "]"
            passages.append(.init(context: others.joined(separator: ", "), text: "\(headword): \(gloss)\(names)"))
        }
        return (headword, passages)
    }

    /// The text after a sense marker (`n 1: `, `adj 2: `, `3: `), or `nil` when `line` starts none.
    private static func wordNetSenseBody(_ line: Substring) -> Substring? {
        var rest = line
        let word = rest.prefix(while: { $0.isLetter })
        if !word.isEmpty, word.count <= 4, rest.dropFirst(word.count).first == " " {
            rest = rest.dropFirst(word.count + 1)
        }
        let digits = rest.prefix(while: { $0.isNumber })
        rest = rest.dropFirst(digits.count)
        guard rest.hasPrefix(":"), digits.count > 0 || word.count > 0 else { return nil }
        return rest.dropFirst().drop(while: { $0 == " " })
    }

    /// Splits a sense into its cleaned gloss and its `[syn: ...]` words.
    static func cleanWordNetGloss(_ sense: String) -> (gloss: String, synonyms: [String]) {
        var text = Substring(sense)
        var synonyms: [String] = []
        var kept = ""
        // Cut `[xxx: ...]` annotations, keeping the synonyms.
        while let open = text.firstRange(of: "[") {
            let label = text[open.upperBound...].prefix(while: { $0.isLetter })
            let afterLabel = text[open.upperBound...].dropFirst(label.count)
            guard !label.isEmpty, afterLabel.hasPrefix(":"), let close = afterLabel.firstIndex(of: "]") else {
                kept += text[..<open.upperBound]
                text = text[open.upperBound...]
                continue
            }
            kept += text[..<open.lowerBound]
            if label == "syn" {
                synonyms += afterLabel.dropFirst()[..<close].split(separator: ",").map {
                    $0.filter { $0 != "{" && $0 != "}" }.trimmingSpaces()
                }.filter { !$0.isEmpty }
            }
            text = text[text.index(after: close)...]
        }
        kept += text
        // Drop the quoted examples: `definition; "example"; "example"`.
        var gloss = Substring(kept)
        if let example = kept.firstRange(of: "; \"") {
            gloss = kept[..<example.lowerBound]
        } else if kept.hasPrefix("\"") {
            gloss = ""
        }
        let cleaned = gloss.filter { $0 != "{" && $0 != "}" }.collapsingSpaces()
        return (cleaned.trimmingCharacters(";: "), synonyms)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> String {
        // Characters, not a string of them: in " \t\r\n" the pair \r\n is one Character,
        // which would leave a lone trailing \n or \r in place.
        let spaces: Set<Character> = [" ", "\t", "\r", "\n", "\r\n"]
        let start = firstIndex(where: { !spaces.contains($0) }) ?? endIndex
        let end = lastIndex(where: { !spaces.contains($0) }).map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }

    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(_ set: String) -> String {
        let start = firstIndex(where: { !set.contains($0) }) ?? endIndex
        let end = lastIndex(where: { !set.contains($0) }).map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }

    /// Runs of white space folded to one space, trimmed.
    func collapsingSpaces() -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        var space = false
        for character in self {
            if character == " " || character == "\n" || character == "\t" || character == "\r" || character == "\r\n" {
                space = !out.isEmpty
            } else {
                if space { out.append(" ") }
                space = false
                out.append(character)
            }
        }
        return out
    }
}
