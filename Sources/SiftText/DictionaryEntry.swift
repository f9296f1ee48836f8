/// A knowledge-base dictionary entry, `<Headword>: <definition>`, as the local
/// knowledge base stores WordNet, GCIDE and FOLDOC entries (the source title is
/// the headword), turned into one readable sentence:
/// `Canberra: the capital of Australia` becomes
/// `Canberra is the capital of Australia`.
///
/// dictd leftovers are removed: part-of-speech and sense markers (`n 1:`, `2:`),
/// `[syn: ...]` and other bracketed notes, `{cross references}`, `\pro*nun\`
/// pronunciations, `<category>` tags, trailing `(1999-01-01)` dates and quoted
/// usage examples.
struct DictionaryEntry: Sendable, Equatable {
    /// The headword as the source title spells it.
    var headword: String
    /// The first sentence of the chosen sense, cleaned.
    var definition: String
    /// The sense's further sentences ("Population (2000) = 307,700."), as written.
    var moreSentences: [String]
    /// `n`, `v`, `adj`, `adv` when the entry said so.
    var partOfSpeech: String?

    private static let partsOfSpeech: Set<String> = [
        "n", "v", "adj", "adv", "a", "s", "n.", "v.", "adj.", "adv.", "a.", "noun", "verb", "adjective", "adverb",
    ]

    /// Parses `text` when it starts with `title` followed by a colon; `terms` pick the best sense.
    ///
    /// The headword is the passage's own spelling ("mutex" in a "MuTeX" document). A sense that
    /// does not read as a definition (a continuation paragraph such as "Where p(M) is ...") is no
    /// entry: `nil`.
    init?(text: String, title: String, terms: [String] = []) {
        guard let (prefix, rawBody) = SentenceForm.entry(in: text, title: title) else { return nil }
        let body = Self.clean(rawBody)
        let senses = Self.senses(body)
        let termSet = Set(terms)
        let tokenizer = Tokenizer()
        var best: (definition: String, pos: String?, overlap: Int)?
        for sense in senses {
            let definition = sense.text
            guard !definition.isEmpty, SentenceForm.isGloss(definition) else { continue }
            let overlap = Set(tokenizer.tokens(in: definition)).intersection(termSet).count
            if overlap > best?.overlap ?? -1 {
                best = (definition, sense.pos, overlap)
            }
        }
        guard let best else { return nil }
        let sentences = SentenceSplitter().sentences(in: best.definition)
        guard let first = sentences.first, SentenceForm.isGloss(first) else { return nil }
        self.headword = prefix
        self.definition = Self.clip(Self.dropLeadingAlias(Self.dropExamples(first)), maxWords: 50)
        self.moreSentences = Array(sentences.dropFirst())
        self.partOfSpeech = best.pos
        guard !definition.isEmpty else { return nil }
    }

    /// The entry as a sentence without final punctuation: "Canberra is the capital of Australia; ...".
    var sentence: String {
        // "photosynthesis" → "Photosynthesis", "genus Ranunculus" → "Genus Ranunculus"; "iPhone" stays.
        let firstHeadWord = headword.prefix { $0 != " " }
        let head =
            firstHeadWord.contains(where: \.isUppercase) ? headword : TextNormalization.capitalizingFirst(headword)
        let words = TextNormalization.split(definition, on: " ")
        let first = words.first.map { $0.lowercased() } ?? ""
        let second = words.count > 1 ? words[1].lowercased() : ""
        let determiners: Set<String> = [
            "a", "an", "the", "any", "one", "each", "some", "someone", "something", "anything", "all", "either",
            "two", "three", "several", "many", "various",
        ]
        let modifiers: Set<String> = [
            "of", "relating", "having", "being", "used", "characterized", "not", "without", "with", "marked", "in",
            "to", "belonging", "pertaining", "capable", "able", "showing", "like", "resembling", "consisting",
            "containing", "full", "lacking", "causing", "denoting", "expressing", "situated", "located", "at",
            "on", "by", "from", "for", "very", "extremely", "most", "more", "less",
        ]
        var definition = definition
        // FOLDOC capitalizes its definitions: "Lisp: A family of languages" reads "Lisp is a family of languages".
        if let firstWord = words.first, determiners.contains(first), firstWord.first?.isUppercase == true,
            firstWord.dropFirst().allSatisfy(\.isLowercase)
        {
            definition = first + definition.dropFirst(firstWord.count)
        }
        let pos = partOfSpeech?.lowercased().trimmingSuffix(".")
        if pos == "v" || pos == "verb" || (pos == nil && Self.verbStarts.contains(first))
            || (pos == nil && ["someone", "something", "oneself", "one's"].contains(second))
        {
            return first == "to" ? "\(head) means \(definition)" : "\(head) means to \(definition)"
        }
        if determiners.contains(first) {
            return "\(head) is \(definition)"
        }
        let firstWord = words.first.map(String.init) ?? ""
        // "small genera" stays plural; proper adjectives ("United States writer") take the article.
        if (Self.descriptors.contains(firstWord) && (firstWord.first?.isUppercase == true || !Self.isPlural(second)))
            || (second == "of" && Self.countNouns.contains(first))
        {
            // WordNet drops articles: "large spotted feline", "genus of trees".
            let article = "aeio".contains(first.first ?? "x") ? "an" : "a"
            return "\(head) is \(article) \(definition)"
        }
        if ["adj", "adv", "a", "s", "adjective", "adverb"].contains(pos) || modifiers.contains(first)
            || (first.count > 3 && (first.hasSuffix("ly") || first.hasSuffix("ed")))
        {
            return "\(head) means \(definition)"
        }
        let nominal = ["tion", "sion", "sis", "ment", "ance", "ence", "ity", "ness", "ing", "ure", "age", "ism"]
        if second == "of", nominal.contains(where: { first.hasSuffix($0) }) {
            return "\(head) is the \(definition)"
        }
        return "\(head) is \(definition)"
    }

    /// "herbs" but not "genus", "class", "basis".
    static func isPlural(_ word: String) -> Bool {
        word.hasSuffix("s") && !word.hasSuffix("us") && !word.hasSuffix("ss") && !word.hasSuffix("is")
    }

    /// Adjectives that open article-less noun glosses ("small genus of ...", "English poet ...").
    static let descriptors: Set<String> = [
        "small", "large", "tall", "common", "tropical", "perennial", "deciduous", "evergreen", "annual", "old",
        "young", "short", "long", "big", "little", "ancient", "English", "French", "German", "Italian", "British",
        "European", "American", "United", "Spanish", "Russian", "Greek", "Roman", "North", "South", "East", "West",
        "Dutch", "Irish", "Scottish", "Chinese", "Japanese", "Indian", "African", "Asian", "Australian", "Canadian",
        "Swiss", "Swedish", "Austrian", "Polish", "Norwegian", "Danish", "Belgian", "Portuguese", "Mexican",
        "Brazilian", "Egyptian", "Hungarian", "Czech", "Flemish", "Scandinavian", "aromatic", "slender", "stout",
        "woody", "herbaceous", "climbing", "erect", "low", "hardy", "shrubby", "sturdy", "medium", "wild",
    ]

    /// Count nouns that open "X of ..." glosses ("genus of ...", "type of ...").
    static let countNouns: Set<String> = [
        "genus", "type", "kind", "family", "order", "class", "species", "member", "branch", "unit", "group",
        "piece", "part", "sort", "variety", "division", "subfamily", "suborder", "subclass", "phylum", "tribe",
        "set", "series", "system", "city", "port", "province", "region", "town", "village", "river", "island",
    ]

    /// First words of WordNet verb glosses, which arrive without their part of speech ("move fast ...").
    static let verbStarts: Set<String> = [
        "move", "make", "cause", "become", "give", "take", "put", "get", "go", "come", "be", "have", "change",
        "remove", "bring", "use", "perform", "engage", "form", "produce", "create", "express", "travel", "look",
        "set", "keep", "hold", "provide", "place", "pass", "turn", "act", "consider", "reduce", "increase", "deal",
        "carry", "fill", "cut", "receive", "write", "strike", "send", "run", "walk", "speak", "say", "tell", "talk",
        "think", "feel", "see", "hear", "find", "leave", "show", "try", "call", "ask", "work", "play", "live",
        "believe", "happen", "stop", "begin", "start", "continue", "allow", "lead", "stand", "lose", "pay", "meet",
        "include", "learn", "add", "spend", "grow", "open", "close", "win", "offer", "remember", "love", "destroy",
        "build", "stay", "fall", "raise", "sell", "decide", "return", "explain", "develop", "release", "apply",
        "attach", "separate", "prevent", "obtain", "store", "transmit", "convert", "divide", "combine", "connect",
        "mix", "press", "pull", "push", "throw", "break", "join", "shape", "cover", "eat", "drink", "sleep",
    ]

    /// "(TCP) The most common ..." → "The most common ...": a short leading parenthetical alias or label.
    static func dropLeadingAlias(_ text: String) -> String {
        // "/S Q L/ An industry-standard language": a leading pronunciation.
        if text.hasPrefix("/"), let close = text.dropFirst().firstIndex(of: "/"),
            text[text.index(after: text.startIndex)..<close].count <= 30
        {
            let rest = TextNormalization.trim(text[text.index(after: close)...])
            if !rest.isEmpty { return dropLeadingAlias(String(rest)) }
        }
        guard text.hasPrefix("("), let close = text.firstIndex(of: ")"),
            text[..<close].split(separator: " ").count <= 4
        else { return text }
        let rest = TextNormalization.trim(text[text.index(after: close)...])
        return rest.isEmpty ? text : String(rest)
    }

    /// Removes bracketed notes, braces, pronunciations, tags and dates; folds white space.
    static func clean(_ text: Substring) -> String {
        // Plain ASCII byte by byte (each byte is the Character it spells), the rest Character by Character.
        var out =
            TextNormalization.isPlainASCII(text)
            ? String(decoding: outsideMarkup(text.utf8, { $0.asciiValue! }), as: UTF8.self)
            : String(outsideMarkup(text, { $0 }))
        // FOLDOC: "<programming>", "<operating system>" category tags, wherever a sense starts.
        out = removingCategoryTags(out)
        var s = Substring(TextNormalization.foldWhitespace(out))
        // FOLDOC: leading "<programming>" tags, trailing "(1999-01-01)".
        while s.hasPrefix("<"), let close = s.firstIndex(of: ">") {
            s = TextNormalization.trim(s[s.index(after: close)...])
        }
        if s.hasSuffix(")"), let open = s.lastIndex(of: "("),
            s[s.index(after: open)..<s.index(before: s.endIndex)].allSatisfy({ $0.isNumber || $0 == "-" }),
            s.distance(from: open, to: s.endIndex) == 12
        {
            s = TextNormalization.trim(s[..<open])
        }
        return TextNormalization.foldWhitespace(s)
    }

    /// The units of `text` outside `[...]` (etymologies, nested) and `\…\` (pronunciations),
    /// without `{` and `}`; `symbol` spells those marks as units.
    static func outsideMarkup<Unit: Equatable>(_ text: some Sequence<Unit>, _ symbol: (Character) -> Unit) -> [Unit] {
        let (open, close, pronunciation, braceOpen, braceClose) = (symbol("["), symbol("]"), symbol("\\"), symbol("{"), symbol("}"))
        var out: [Unit] = []
        var squareDepth = 0
        var inPronunciation = false
        for unit in text {
            if unit == open {
                squareDepth += 1
            } else if unit == close && squareDepth > 0 {
                squareDepth -= 1
            } else if unit == pronunciation {
                inPronunciation.toggle()
            } else if unit == braceOpen || unit == braceClose {
                continue
            } else if squareDepth == 0 && !inPronunciation {
                out.append(unit)
            }
        }
        return out
    }

    /// `text` without `<category, tags>` made of lowercase words (not `<module>`-like code or addresses).
    static func removingCategoryTags(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[open...]
                break
            }
            let inner = rest[rest.index(after: open)..<close]
            let isTag = !inner.isEmpty && inner.allSatisfy { $0.isLowercase || $0 == " " || $0 == "," || $0 == "-" }
            if !isTag { out += rest[open...close] }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// Splits at sense markers (`1:`, `n 2:`, `2.`), remembering each sense's part of speech.
    static func senses(_ body: String) -> [(text: String, pos: String?)] {
        let words = TextNormalization.split(body, on: " ")
        var senses: [(text: String, pos: String?)] = []
        var current: [Substring] = []
        var currentPOS: String?
        // Sense numbers run 1, 2, 3 ... (and restart after a part of speech), so that "... less than 10." is
        // no sense marker.
        var expected = 1
        func isMarker(_ word: Substring) -> Bool {
            guard let last = word.last, last == ":" || last == "." else { return false }
            let number = word.dropLast()
            guard !number.isEmpty, number.count <= 2, number.allSatisfy(\.isNumber), let value = Int(number) else {
                return false
            }
            return value == expected || value == 1
        }
        var i = 0
        while i < words.count {
            let word = words[i]
            let lower = word.lowercased()
            let namesPOS =
                partsOfSpeech.contains(lower)
                || (lower.hasSuffix(":") && partsOfSpeech.contains(String(lower.dropLast())))
            if namesPOS, i + 1 < words.count, isMarker(words[i + 1]) {
                if !current.isEmpty { senses.append((current.joined(separator: " "), currentPOS)) }
                current = []
                currentPOS = String(lower.trimmingSuffix(":"))
                expected = (Int(words[i + 1].dropLast()) ?? 0) + 1
                i += 2
                continue
            }
            if isMarker(word) {
                if !current.isEmpty { senses.append((current.joined(separator: " "), currentPOS)) }
                current = []
                expected = (Int(word.dropLast()) ?? 0) + 1
                i += 1
                continue
            }
            if i == 0, lower.hasSuffix(":"), partsOfSpeech.contains(String(lower.dropLast())) {
                currentPOS = String(lower.dropLast())
                i += 1
                continue
            }
            current.append(word)
            i += 1
        }
        if !current.isEmpty { senses.append((current.joined(separator: " "), currentPOS)) }
        return senses.map { (String(TextNormalization.trim($0.text)), $0.pos) }
    }

    /// Drops `; "usage examples"`, GCIDE's `; as, a bank of clouds` and trailing punctuation.
    static func dropExamples(_ sense: String) -> String {
        let parts = sense.split(separator: ";").map { TextNormalization.trim($0) }
        let kept = parts.enumerated().filter { index, part in
            guard let first = part.first else { return false }
            if index > 0, ["as, ", "e.g.", "as in ", "hence, "].contains(where: { part.hasPrefix($0) }) { return false }
            return first != "\"" && first != "“" && first != "'"
        }.map(\.element)
        let joined = kept.joined(separator: "; ")
        return String(joined.droppingSuffix { ";,:. ".contains($0) })
    }

    /// At most `maxWords` words, cut at the last `;` or `,` inside the limit when there is one.
    static func clip(_ text: String, maxWords: Int) -> String {
        let words = TextNormalization.split(text, on: " ")
        guard words.count > maxWords else { return text }
        let head = Array(words.prefix(maxWords))
        if let cut = head.lastIndex(where: { $0.hasSuffix(";") || $0.hasSuffix(",") }), cut >= maxWords / 3 {
            return String(head[...cut].joined(separator: " ").droppingSuffix { ";,".contains($0) })
        }
        return head.joined(separator: " ") + "…"
    }
}

extension StringProtocol {
    /// The text without one trailing `suffix`, when it ends with it.
    func trimmingSuffix(_ suffix: String) -> SubSequence {
        hasSuffix(suffix) ? self[startIndex..<index(endIndex, offsetBy: -suffix.count)] : self[startIndex...]
    }
}
