import SiftCore

/// The shape of a passage or sentence, as the ranker and the synthesizer judge it: is it a
/// dictionary entry, does its body read as a definition, is it a fragment, code, a formula,
/// boilerplate; which role the query focus plays in it.
enum SentenceForm {
    // MARK: Dictionary entries

    /// The `Headword: body` split of a knowledge-base entry passage whose headword is the
    /// source title (case-insensitively); the headword as the passage spells it.
    ///
    /// A dictionary may file entries that differ only in case under one title ("MuTeX" and
    /// "mutex"), so the passage's own spelling is the one to trust.
    static func entry(in text: String, title: String) -> (headword: String, body: Substring)? {
        let title = TextNormalization.foldWhitespace(title)
        guard !title.isEmpty, let colon = text.prefix(title.count * 2 + 8).firstIndex(of: ":") else { return nil }
        let prefix = TextNormalization.foldWhitespace(text[..<colon])
        guard prefix.lowercased() == title.lowercased() else { return nil }
        return (prefix, TextNormalization.trim(text[text.index(after: colon)...]))
    }

    /// Words that open a clause continuing an earlier text, never a definition or a lead.
    static let continuationOpeners: Set<String> = [
        "where", "whereas", "which", "whose", "whom", "when", "whenever", "if", "although", "though", "because",
        "since", "unless", "and", "or", "but", "nor", "also", "thus", "hence", "therefore", "moreover",
        "furthermore", "however", "further", "then", "see", "note", "e.g", "i.e", "cf", "here", "there",
        "this", "these", "those", "it", "its", "they", "their", "he", "she", "his", "her", "we", "you", "i",
        "otherwise", "instead", "likewise", "similarly", "besides", "finally",
    ]

    /// Finite auxiliaries and copulas: a gloss ("a person who is ...") has none before its relative pronoun.
    static let finiteVerbs: Set<String> = [
        "is", "are", "was", "were", "has", "have", "had", "can", "will", "would", "may", "must", "does", "do",
        "did", "shall", "should", "could", "might",
    ]

    static let relativeMarkers: Set<String> = ["that", "which", "who", "whom", "whose", "where", "when"]

    /// Whether the body of a dictionary sense reads as a definition (a noun, verb or adjective
    /// phrase: "a numerical measure of ...", "The process of ... in which ...") rather than a
    /// continuation of an earlier paragraph ("Where p(M) is ...", "In green plants water is
    /// absorbed ...", "If multiple threads are blocked ...").
    static func isGloss(_ body: some StringProtocol) -> Bool {
        var text = Substring(body.prefix(400))
        // A leading alias or label: "(Or "defunct process") A Unix process that ...".
        if text.hasPrefix("("), let close = text.firstIndex(of: ")") {
            text = TextNormalization.trim(text[text.index(after: close)...])
        }
        let first = SentenceSplitter().sentences(in: text, limit: 1).first ?? ""
        let tokens = Tokenizer().tokens(in: first)
        guard let first = tokens.first else { return false }
        if continuationOpeners.contains(first) { return false }
        if first == "for", tokens.count > 1, tokens[1] == "example" || tokens[1] == "instance" { return false }
        // A finite verb before any relative pronoun makes a clause: "The green pigment chlorophyll is ...".
        for token in tokens.dropFirst().prefix(16) {
            if relativeMarkers.contains(token) { return true }
            if finiteVerbs.contains(token) { return false }
        }
        return true
    }

    // MARK: Case of headwords

    /// "MuTeX", "iPhone", "JavaScript": a word with an uppercase letter after its first, not all in capitals.
    static func hasInnerCapitals(_ text: some StringProtocol) -> Bool {
        text.split(separator: " ").contains { word in
            let letters = word.filter(\.isLetter)
            guard letters.count > 1, letters.contains(where: \.isLowercase) else { return false }
            return letters.dropFirst().contains(where: \.isUppercase)
        }
    }

    /// Whether `headword` is a differently-cased name for what the query spells its own way: the
    /// query writes "mutex" and the entry is "MuTeX", or the query writes "MuTeX" and the entry is
    /// "mutex". Capitalizing a first letter ("Photosynthesis") or writing an acronym in lowercase
    /// ("tcp" for "TCP") is no conflict.
    static func caseConflict(headword: String, query: String) -> Bool {
        guard let spelled = spelling(of: headword, in: query), spelled != headword else { return false }
        let headWords = headword.split(separator: " ")
        let queryWords = spelled.split(separator: " ")
        guard headWords.count == queryWords.count else { return false }
        for (h, q) in zip(headWords, queryWords) where h != q {
            if hasInnerCapitals(h) || hasInnerCapitals(q) { return true }
        }
        return false
    }

    /// How `query` writes `phrase` (compared case-insensitively, on word boundaries), if it does.
    static func spelling(of phrase: String, in query: String) -> Substring? {
        if TextNormalization.isPlainASCII(phrase), TextNormalization.isPlainASCII(query) {
            return asciiSpelling(of: phrase, in: query)
        }
        return characterSpelling(of: phrase, in: query)
    }

    /// ``spelling(of:in:)`` for plain ASCII (each byte the Character it spells): bytes lowercased
    /// and compared, letters and digits the word characters.
    static func asciiSpelling(of phrase: String, in query: String) -> Substring? {
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
        func isWordByte(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
        let needle = phrase.utf8.map(lower)
        let bytes = Array(query.utf8)
        guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
        for start in 0...(bytes.count - needle.count) {
            var matched = 0
            while matched < needle.count && lower(bytes[start + matched]) == needle[matched] { matched += 1 }
            guard matched == needle.count else { continue }
            let end = start + needle.count
            if (start == 0 || !isWordByte(bytes[start - 1])) && (end == bytes.count || !isWordByte(bytes[end])) {
                let from = query.utf8.index(query.utf8.startIndex, offsetBy: start)
                return query[from..<query.utf8.index(from, offsetBy: needle.count)]
            }
        }
        return nil
    }

    /// ``spelling(of:in:)`` for any text, Character by Character.
    static func characterSpelling(of phrase: String, in query: String) -> Substring? {
        let needle = Array(phrase.lowercased())
        guard !needle.isEmpty else { return nil }
        let characters = Array(query)
        let lower = characters.map { Character($0.lowercased()) }
        guard needle.count <= lower.count, lower.count == characters.count else { return nil }
        for start in 0...(lower.count - needle.count) where Array(lower[start..<(start + needle.count)]) == needle {
            let end = start + needle.count
            let before = start == 0 || !characters[start - 1].isLetter && !characters[start - 1].isNumber
            let after = end == characters.count || !characters[end].isLetter && !characters[end].isNumber
            if before && after {
                let from = query.index(query.startIndex, offsetBy: start)
                return query[from..<query.index(from, offsetBy: needle.count)]
            }
        }
        return nil
    }

    // MARK: Sentence quality

    /// Whether a sentence cannot open an answer: it continues another sentence ("Where p(M) is
    /// ...", "which is ...", "and then ..."), starts in lowercase prose, or breaks off.
    static func isFragment(_ sentence: String) -> Bool {
        let trimmed = TextNormalization.trim(sentence)
        guard let firstWord = trimmed.split(separator: " ", maxSplits: 1).first else { return true }
        // A code comment, a prompt or a continuation line: "# ImportError, so try ...", ">>> f(x)", "$ make".
        if ["#", "//", ">>>", "...", "$", "%"].contains(where: { firstWord.hasPrefix($0) }) { return true }
        // A traceback's lines: "Traceback (most recent call last):", "File "<stdin>", line 6, in f".
        if trimmed.hasPrefix("File \"") || trimmed.hasPrefix("Traceback (") { return true }
        let bare = firstWord.drop { !$0.isLetter && !$0.isNumber }
        let first = bare.lowercased().droppingSuffix { !$0.isLetter && !$0.isNumber }
        if continuationOpeners.contains(String(first)) { return true }
        // "Used by a reader to ...": the description of a heading that is not there.
        if OptionDescription.participles.contains(String(first)), firstWord.first?.isUppercase == true { return true }
        // Lowercase prose ("is absorbed by ...") but not identifiers ("tcp_congestion_control", "iPhone", "x86").
        if let letter = bare.first, letter.isLowercase,
            !bare.contains(where: { $0 == "_" || $0.isNumber || $0 == "(" || $0 == "." }), !hasInnerCapitals(bare)
        {
            return true
        }
        return isUnbalanced(trimmed) || trimmed.hasSuffix(":") || !isProse(trimmed)
    }

    /// Whether a sentence has at least three words of prose outside addresses and parentheses;
    /// "(ftp://nic.stolaf.edu/pub/mutex/MuTeX.tar.Z)." has none.
    static func isProse(_ sentence: some StringProtocol) -> Bool {
        let plain = withoutParentheticals(sentence)
        if TextNormalization.isPlainASCII(plain) {
            // Byte by byte, each byte the character it is: words between spaces, a letter among them.
            var prose = 0
            for word in plain.utf8.split(separator: 0x20) {
                let letters = word.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
                guard letters, !word.starts(with: "www.".utf8), !Self.holdsScheme(word) else { continue }
                prose += 1
                if prose == 3 { return true }
            }
            return false
        }
        var prose = 0
        for word in plain.split(separator: " ")
        where !word.contains(text: "://") && !word.hasPrefix("www.") && word.contains(where: \.isLetter) {
            prose += 1
            if prose == 3 { return true }
        }
        return false
    }

    /// Whether ASCII `word` holds `://`. (Written out: the standard `contains` on byte
    /// collections is the generic searcher, which `make profile` put at 1.3 M instructions an answer here.)
    private static func holdsScheme(_ word: Substring.UTF8View.SubSequence) -> Bool {
        var index = word.startIndex
        while index < word.endIndex {
            if word[index] == UInt8(ascii: ":"), word[index...].starts(with: "://".utf8) { return true }
            index = word.index(after: index)
        }
        return false
    }

    /// Brackets or quotes that do not pair up.
    static func isUnbalanced(_ text: some StringProtocol) -> Bool {
        // No bracket or quote byte (curly quotes start with 0xE2): nothing to count, so nothing unbalanced.
        let marks: [UInt8] = [0x28, 0x29, 0x5B, 0x5D, 0x22, 0xE2]
        guard text.utf8.contains(where: marks.contains) else { return false }
        var round = 0
        var square = 0
        var straightQuotes = 0
        var curly = 0
        for c in text {
            switch c {
            case "(": round += 1
            case ")": round -= 1
            case "[": square += 1
            case "]": square -= 1
            case "\"": straightQuotes += 1
            case "“": curly += 1
            case "”": curly -= 1
            default: break
            }
            if round < 0 || square < 0 { return true }
        }
        return round != 0 || square != 0 || straightQuotes % 2 != 0 || curly != 0
    }

    /// The share of a text's non-space characters that are code punctuation (×3), plus half the share
    /// of its words that are identifiers (`snake_case`, `call()`, `a.b`): near 0 for prose, high for
    /// code and formulas.
    static func codeShare(_ text: some StringProtocol) -> Double {
        var symbols = 0
        var visible = 0
        var words = 0
        var codeWords = 0
        // The current word: has `_`, `()`, `->`, `::`, ends with `;`, or is a lowercase dotted name.
        var inWord = false
        var code = false
        var dotted = false
        var lowercaseStart = false
        var previous: Unicode.Scalar = " "
        func endWord() {
            if inWord {
                words += 1
                let letterEnd = previous.isASCII ? ("a"..."z").contains(previous) || ("A"..."Z").contains(previous)
                    : previous.properties.isAlphabetic
                if code || (dotted && lowercaseStart && letterEnd) || previous == ";" {
                    codeWords += 1
                }
            }
            inWord = false
            code = false
            dotted = false
        }
        for scalar in text.unicodeScalars {
            let space = scalar == " " || scalar == "\n" || scalar == "\t"
            if space || (!scalar.isASCII && scalar.properties.isWhitespace) {
                endWord()
                previous = scalar
                continue
            }
            visible += 1
            switch scalar {
            case "{", "}", "(", ")", "[", "]", ";", "=", "<", ">", "|", "\\", "#", "$", "&", "*", "^", "~", "`", "/",
                "+", "%":
                symbols += 1
            default: break
            }
            if !inWord {
                inWord = true
                lowercaseStart = scalar.isASCII ? ("a"..."z").contains(scalar) : scalar.properties.isLowercase
            }
            if scalar == "_" || (previous == "(" && scalar == ")") || (previous == "-" && scalar == ">")
                || (previous == ":" && scalar == ":")
            {
                code = true
            }
            if scalar == "." { dotted = true }
            previous = scalar
        }
        endWord()
        guard visible > 0 else { return 0 }
        let wordShare = words == 0 ? 0 : Double(codeWords) / Double(words)
        return 3 * Double(symbols) / Double(visible) + 0.5 * wordShare
    }

    /// A formula or an equation ("H(M) = -log2 p(M)", "6CO2+12H2O+energy=C6H12O6"): `=` between terms.
    static func isFormula(_ text: some StringProtocol) -> Bool {
        let characters = Array(text)
        for (i, c) in characters.enumerated() where c == "=" {
            let before = i > 0 ? characters[i - 1] : " "
            let after = i + 1 < characters.count ? characters[i + 1] : " "
            if "=!<>".contains(before) || after == "=" { continue }
            return true
        }
        return false
    }

    /// Words of licences, copyright notices and changelogs.
    static let boilerplateWords: Set<String> = [
        "license", "licenses", "licensed", "licensing", "licence", "licences", "copyright", "copyrighted", "gpl",
        "lgpl", "spdx", "warranty", "warranties", "changelog", "trademark", "trademarks", "bpo", "proprietary",
    ]

    /// Whether `tokens` read as licence, copyright or changelog text, or a version note ("New in
    /// version 3.4", "Changed in version 3.6: ..."), and the question is not about that.
    static func isBoilerplate(_ tokens: [String], queryTerms: Set<String>) -> Bool {
        if tokens.contains(where: { boilerplateWords.contains($0) && !queryTerms.contains($0) }) { return true }
        // Changelog entries: "gh-96387: ...", "bpo-36184: ...".
        if tokens.count > 1, tokens[0] == "gh" || tokens[0] == "bpo", tokens[1].allSatisfy(\.isNumber) { return true }
        guard !queryTerms.contains("version") else { return false }
        for (i, token) in tokens.enumerated().prefix(12) where token == "version" && i >= 2 {
            if ["new", "changed", "added", "deprecated", "removed"].contains(tokens[i - 2]) { return true }
        }
        return false
    }

    /// A sentence with no main verb that starts like a definition ("An abstract method that executes
    /// ..."): the description of a heading that is not there.
    static func isVerbless(_ sentence: String) -> Bool {
        let tokens = Tokenizer().tokens(in: sentence.prefix(300))
        guard let first = tokens.first, articles.contains(first) else { return false }
        return isGloss(sentence) && tokens.prefix(8).contains(where: relativeMarkers.contains)
    }

    // MARK: Identifiers

    /// `tokens` with every `snake_case` identifier replaced by its parts, so that
    /// "tcp_congestion_control" reads as "tcp congestion control"; with `whole`, only identifiers
    /// whose parts are exactly `whole` (so that "raw_spinlock_t" stays one word, not a "spinlock").
    static func splittingIdentifiers(_ tokens: [String], whole: [String]? = nil) -> [String] {
        var result: [String] = []
        result.reserveCapacity(tokens.count)
        for token in tokens {
            if token.utf8.contains(UInt8(ascii: "_")) {
                let parts = token.split(separator: "_").map(String.init)
                if let whole, parts != whole {
                    result.append(token)
                } else {
                    result += parts.isEmpty ? [token] : parts
                }
            } else {
                result.append(token)
            }
        }
        return result
    }

    /// Whether a sentence of eight or more words reads as English: some of its words are English
    /// function words ("the", "of", "is"). Translations and code do not.
    static func looksEnglish(_ tokens: [String]) -> Bool {
        guard tokens.count >= 8 else { return true }
        let function = tokens.filter { StopWords.english.contains($0) }.count
        return Double(function) / Double(tokens.count) >= 0.1
    }

    // MARK: Focus

    /// The focus to look for: `focus` when some text holds it, else its longest run of two or more
    /// words that texts hold, the one most texts hold when several do ("list comprehension", not
    /// "python list", for "python list comprehension").
    static func effectiveFocus(_ focus: [String], in texts: [[String]]) -> [String] {
        guard focus.count > 2 else { return focus }
        if texts.contains(where: { TextNormalization.containsRun($0, focus) }) { return focus }
        for length in stride(from: focus.count - 1, through: 2, by: -1) {
            var best: (run: [String], count: Int)?
            for start in 0...(focus.count - length) {
                let run = Array(focus[start..<(start + length)])
                if StopWords.english.contains(run[0]) || StopWords.english.contains(run[run.count - 1]) { continue }
                let count = texts.filter { TextNormalization.containsRun($0, run) }.count
                if count > best?.count ?? 0 { best = (run, count) }
            }
            if let best { return best.run }
        }
        return focus
    }

    /// For code and error logs, which have no focus: the identifier they are about. An SQL
    /// statement is about SQL; an error log about its exception or errno name (`ImportError`,
    /// `ECONNREFUSED`), else its first identifier (`tcp_congestion_control`, `O_DIRECT`).
    static func technicalFocus(_ query: AnalyzedQuery) -> [String] {
        guard query.kind == .code || query.kind == .errorLog else { return [] }
        if query.kind == .code, QueryAnalyzer.isSQL(query.normalized) { return ["sql"] }
        let identifiers = query.terms.filter { ExtractiveSynthesizer.identifierWeight($0, in: query.original) >= 3 }
        let named = identifiers.first { term in
            term.hasSuffix("error") || term.hasSuffix("exception")
                || QueryAnalyzer.errnoNames.contains(term.uppercased())
        }
        return (named ?? identifiers.first).map { [$0] } ?? []
    }

    /// What a sentence does with the query's focus.
    enum FocusRole: Int, Comparable {
        /// Not there.
        case absent
        /// There, in passing ("... the TCP congestion control algorithm for data centers").
        case mentioned
        /// Heads the subject of a verb other than a defining copula ("TCP congestion control uses ...").
        case subject
        /// Named by the sentence's predicate: "Canberra is the capital of Australia".
        case named
        /// An alias inside the subject of a defining copula: "Augusta Ada King, ..., also known as
        /// Ada Lovelace, was an English mathematician".
        case definedLate
        /// Defined: "Photosynthesis is a system of ...".
        case defined

        static func < (a: FocusRole, b: FocusRole) -> Bool { a.rawValue < b.rawValue }
    }

    static let copulas: Set<String> = ["is", "are", "was", "were", "refers", "means", "describes", "denotes"]
    static let articles: Set<String> = ["the", "a", "an"]
    static let determiners: Set<String> = ["the", "a", "an", "one", "its", "their", "his", "her", "our", "this"]
    /// Words after a copula that make it no definition ("is not", "was also").
    static let nonDefiningAfterCopula: Set<String> = [
        "not", "also", "now", "still", "often", "usually", "currently", "then", "being", "always", "never",
        "only", "just", "already", "very", "too", "so", "here", "there",
    ]
    /// Predicate nouns that say nothing about the subject ("is a big and complex topic").
    static let emptyPredicateNouns: Set<String> = ["topic", "subject", "issue", "question", "matter", "thing"]

    /// The role `focus` plays in `words` (tokens with identifiers split).
    static func focusRole(of focus: [String], in words: [String]) -> FocusRole {
        guard let first = TextNormalization.firstRun(of: focus, in: words) else {
            // "Paris is the capital and largest city of France" names the "capital of France".
            if focus.count >= 3, let copula = words.prefix(8).firstIndex(where: copulas.contains), copula >= 1,
                isDefining(words, copula: copula), let span = looseRun(of: focus, in: words, from: copula + 1),
                span.start <= copula + 3
            {
                return .named
            }
            return .absent
        }
        // Every occurrence counts: "The Tragedy of Hamlet, ..., often shortened to Hamlet, is ...".
        var best = role(of: focus, at: first, in: words)
        var start = first + 1
        while best < .defined, start + focus.count <= words.count,
            let next = TextNormalization.firstRun(of: focus, in: Array(words[start...]))
        {
            best = max(best, role(of: focus, at: start + next, in: words))
            start += next + 1
        }
        return best
    }

    /// The role of the occurrence of `focus` at `at` in `words`.
    private static func role(of focus: [String], at found: Int, in words: [String]) -> FocusRole {
        let subjectStart = articles.contains(words[0]) ? 1 : 0
        // An acronym after its expansion ("The global interpreter lock (GIL) is ...") stands where the
        // expansion starts.
        var at = found
        if focus.count == 1, focus[0].count >= 2, found >= focus[0].count,
            words[(found - focus[0].count)..<found].compactMap(\.first) == Array(focus[0])
        {
            at = found - focus[0].count
        }
        let after = found + focus.count
        let copula = words.prefix(30).firstIndex(where: copulas.contains)
        if let copula, at < copula, after <= copula, isDefining(words, copula: copula) {
            if at == subjectStart && after == copula { return .defined }
            // An alias inside the subject: "Augusta Ada King, ..., also known as Ada Lovelace, was ...".
            if at >= 2 && ["as", "called", "named", "to", "or"].contains(words[at - 1]) && copula - after <= 1 {
                return .definedLate
            }
            // "The Linux TCP congestion control is ...": one modifier before the focus.
            if at == subjectStart + 1, copula - after <= 1, !["of", "for", "in", "and", "or"].contains(words[at - 1]) {
                return .definedLate
            }
            // "SQL Server is ..." is not about "SQL".
            return .mentioned
        }
        // "Canberra is the capital of Australia", not "SQL Server is Microsoft SQL Server".
        if let copula, at > copula, at <= copula + 3, isDefining(words, copula: copula), copula >= 1,
            words[(copula + 1)..<at].allSatisfy(determiners.contains)
        {
            return .named
        }
        if at == subjectStart, after < words.count { return .subject }
        return .mentioned
    }

    /// Where `focus` occurs in order from `start` with at most 4 other words between its first and
    /// last word ("capital and largest city of France" for "capital of France").
    static func looseRun(of focus: [String], in words: [String], from start: Int) -> (start: Int, end: Int)? {
        guard let head = focus.first, start < words.count,
            let first = words[start...].prefix(4).firstIndex(of: head)
        else { return nil }
        var position = first
        for word in focus.dropFirst() {
            guard let next = words[(position + 1)...].prefix(5).firstIndex(of: word) else { return nil }
            position = next
        }
        return position - first + 1 - focus.count <= 4 ? (first, position + 1) : nil
    }

    /// `text` without its parenthetical asides ("Canberra (KAN-bər-ə) is ..."), for reading its structure.
    /// An acronym in parentheses ("(GIL)", "(UDP)") stays: it names the subject.
    static func withoutParentheticals(_ text: some StringProtocol) -> String {
        // Without an opening parenthesis every character is kept: the text as it is, without walking it.
        guard text.utf8.contains(UInt8(ascii: "(")) else { return String(text) }
        var out = ""
        var aside = ""
        var depth = 0
        for c in text {
            if c == "(" {
                depth += 1
                if depth == 1 { aside = "" }
            } else if c == ")" && depth > 0 {
                depth -= 1
                if depth == 0, (2...8).contains(aside.count), aside.allSatisfy({ $0.isUppercase || $0.isNumber }) {
                    out += aside
                }
            } else if depth == 0 {
                out.append(c)
            } else {
                aside.append(c)
            }
        }
        return depth == 0 ? out : String(text)
    }

    /// Whether the copula at `copula` opens a definition: not "is required", "is not", "is a big topic".
    static func isDefining(_ words: [String], copula: Int) -> Bool {
        guard copula + 1 < words.count else { return false }
        let next = words[copula + 1]
        guard ["is", "are", "was", "were"].contains(words[copula]) else { return true }
        if nonDefiningAfterCopula.contains(next) { return false }
        if next.count > 4 && next.hasSuffix("ed") { return false }
        // "is a big and complex topic".
        let predicate = words[(copula + 1)...].prefix(7)
        if let end = predicate.firstIndex(where: { ["of", "for", "in", "that", "which", "to"].contains($0) }) {
            if words[(copula + 1)..<end].contains(where: emptyPredicateNouns.contains) { return false }
        } else if predicate.contains(where: emptyPredicateNouns.contains) {
            return false
        }
        return true
    }

    // MARK: Passages as sentences

    /// A passage's sentences: a dictionary entry's definition (as a sentence) and its further sentences;
    /// otherwise its prose, block by block (lines of manuals and web pages are separate blocks), with
    /// option, parameter and API headers joined to their descriptions.
    static func sentences(
        of text: String, title: String, terms: [String], splitter: SentenceSplitter, limit: Int
    ) -> [PassageSentence] {
        if let entry = DictionaryEntry(text: text, title: title, terms: terms) {
            return [PassageSentence(text: entry.sentence, dictionary: true, entry: true)]
                + entry.moreSentences.prefix(max(0, limit - 1)).map {
                    PassageSentence(text: $0, dictionary: false, entry: true)
                }
        }
        if let entry = entry(in: text, title: title) {
            // An entry's continuation paragraph: its prose, without the "Headword:" label. Dictionary
            // lines are wrapped, so newlines do not separate anything here.
            return splitter.sentences(in: entry.body, limit: limit).map {
                PassageSentence(
                    text: DictionaryEntry.clip(stripBullet($0), maxWords: 60), dictionary: false, entry: true)
            }
        }
        let blocks = TextNormalization.lines(text)
        var result: [PassageSentence] = []
        OptionDescription.forEachJoined(blocks) { block in
            for sentence in splitter.sentences(in: block, limit: limit - result.count) {
                result.append(
                    PassageSentence(
                        text: DictionaryEntry.clip(stripBullet(sentence), maxWords: 60), dictionary: false,
                        entry: false))
                if result.count == limit { return false }
            }
            return true
        }
        return result
    }

    /// The sentence without a leading list marker ("- ", "* ", "• ").
    static func stripBullet(_ sentence: String) -> String {
        for marker in ["- ", "* ", "• ", "– "] where sentence.hasPrefix(marker) {
            return String(sentence.dropFirst(marker.count))
        }
        return sentence
    }
}

/// One sentence of a passage, as ``SentenceForm/sentences(of:title:terms:splitter:limit:)`` reads it.
struct PassageSentence: Equatable {
    var text: String
    /// A dictionary definition made into a sentence ("Canberra is the capital of Australia").
    var dictionary: Bool
    /// From a dictionary entry passage.
    var entry: Bool
}
