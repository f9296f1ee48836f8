import SiftText

extension DictionaryFormat {
    /// One GCIDE (Webster 1913 and later) entry:
    ///
    ///     Canberra \Canberra\ prop. n. (Geography)
    ///        The capital city of Australia. Population (2000) = 307,700.
    ///        [PJC]
    ///
    /// The header line (headword, pronunciation, part of speech, etymology) is dropped;
    /// each numbered sense, unnumbered definition, note and `{compound}` definition becomes
    /// a passage "Canberra: The capital city of Australia. ...". Source tags (`[1913 Webster]`,
    /// `[PJC]`), citations (`--Shak.`), indented quotations and markup (braces, accent codes
    /// like `[=a]`) are removed.
    static func parseGCIDE(_ text: String, headword: String) -> (title: String, passages: [KnowledgeBaseDocument.Passage]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { return (headword, []) }
        // The header runs until its brackets balance (etymologies wrap).
        var depth = 0
        var bodyStart = 0
        for (number, line) in lines.enumerated() {
            for character in line {
                if character == "[" { depth += 1 } else if character == "]" { depth = max(0, depth - 1) }
            }
            bodyStart = number + 1
            if depth == 0 { break }
        }
        let title = headword
        // Split the rest into paragraphs, noting each one's first indent.
        var paragraphs: [(indent: Int, text: String)] = []
        var current = ""
        var currentIndent = 0
        for line in lines[bodyStart...] {
            let indent = line.prefix(while: { $0 == " " }).count
            let content = line.dropFirst(indent)
            if content.isEmpty {
                if !current.isEmpty { paragraphs.append((currentIndent, current)) }
                current = ""
                continue
            }
            if isSourceTag(content) {
                if !current.isEmpty { paragraphs.append((currentIndent, current)) }
                current = ""
                continue
            }
            if current.isEmpty {
                currentIndent = indent
                current = String(content)
            } else if isGCIDESenseStart(content), indent <= 6 {
                paragraphs.append((currentIndent, current))
                currentIndent = indent
                current = String(content)
            } else {
                current += "\n" + content
            }
        }
        if !current.isEmpty { paragraphs.append((currentIndent, current)) }

        var passages: [KnowledgeBaseDocument.Passage] = []
        var synonyms = ""
        for paragraph in paragraphs {
            // Indented quotations ("They cast up a bank ... --2 Sam.") illustrate, not define.
            if paragraph.indent >= 9 { continue }
            var body = Substring(paragraph.text)
            if body.hasPrefix("Syn.") || body.hasPrefix("Syn:") {
                synonyms += cleanGCIDEMarkup(body.dropFirst(4)) + " "
                continue
            }
            var name = title
            if body.hasPrefix("Note:") {
                body = body.dropFirst(5)
            } else if let marker = senseNumberLength(body) {
                body = body.dropFirst(marker)
            } else if body.hasPrefix("{"), let close = body.firstIndex(of: "}") {
                // A compound: "{Bank beaver} (Zool.), the otter."
                let compound = cleanGCIDEMarkup(body[body.index(after: body.startIndex)..<close])
                if !compound.isEmpty {
                    name = compound
                    body = body[body.index(after: close)...].drop(while: { $0 == "," || $0 == " " || $0 == "\n" })
                }
            }
            let definition = cleanGCIDEMarkup(body)
            guard PassageSplitter.wordCount(definition) >= 2 else { continue }
            passages.append(.init(context: "", text: "\(name): \(definition)"))
        }
        if !synonyms.isEmpty {
            for index in passages.indices { passages[index].context = synonyms.trimmingSpaces() }
        }
        return (title, passages)
    }

    /// `[1913 Webster]`, `[PJC]`, `[Webster 1913 Suppl.]` and the like on a line of their own.
    private static func isSourceTag(_ line: Substring) -> Bool {
        guard line.hasPrefix("["), line.hasSuffix("]") || line.hasSuffix("] ") else { return false }
        return line.contains("Webster") || line.contains("PJC") || line.contains("WordNet") || line.contains("Century")
            || line.contains("Chambers") || line.contains("RN")
    }

    private static func isGCIDESenseStart(_ line: Substring) -> Bool {
        senseNumberLength(line) != nil || line.hasPrefix("Note:") || line.hasPrefix("Syn.")
    }

    /// Length of a leading sense number ("1. ", "12. "), or `nil`.
    private static func senseNumberLength(_ text: Substring) -> Int? {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        let rest = text.dropFirst(digits.count)
        guard rest.hasPrefix(". ") || rest.hasPrefix(".\n") else { return nil }
        return digits.count + 2
    }

    /// Removes GCIDE markup from running text.
    static func cleanGCIDEMarkup(_ text: Substring) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var index = text.startIndex
        var braceDepth = 0
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case "{":
                braceDepth += 1
                index = text.index(after: index)
            case "}":
                braceDepth = max(0, braceDepth - 1)
                index = text.index(after: index)
            case "`" where braceDepth > 0, "*" where braceDepth > 0, "\"" where braceDepth > 0:
                index = text.index(after: index)
            case "[":
                // Accent codes like [=a], ["e], [ae]; source tags; other brackets stay.
                if let close = text[index...].firstIndex(of: "]"), text.distance(from: index, to: close) <= 40 {
                    let inner = text[text.index(after: index)..<close]
                    if let replacement = gcideCharacters[String(inner)] {
                        out += replacement
                        index = text.index(after: close)
                        continue
                    }
                    if inner.contains("Webster") || inner == "PJC" || inner.hasPrefix("PJC") || inner == "RN" {
                        index = text.index(after: close)
                        continue
                    }
                }
                out.append(character)
                index = text.index(after: index)
            case "-" where text[index...].hasPrefix("--"):
                // A citation ("--Shak.", "--Holland.") runs to the end of its line; a spaced
                // " -- " introduces derived forms, which end the definition.
                let after = text.index(index, offsetBy: 2)
                if after < text.endIndex, text[after] == " " || text[after] == "\n" {
                    index = text.endIndex
                } else {
                    index = text[after...].firstIndex(of: "\n") ?? text.endIndex
                }
            case "\\":
                // A pronunciation \Ban"cus\ between backslashes.
                if let close = text[text.index(after: index)...].firstIndex(of: "\\") {
                    index = text.index(after: close)
                } else {
                    index = text.index(after: index)
                }
            default:
                out.append(character)
                index = text.index(after: index)
            }
        }
        return out.collapsingSpaces().trimmingCharacters(" ,;")
    }

    private static let gcideCharacters: [String: String] = [
        "=a": "ā", "=e": "ē", "=i": "ī", "=o": "ō", "=u": "ū", "=y": "ȳ", "=ae": "ǣ", "=oo": "ōō",
        "\"a": "ä", "\"e": "ë", "\"i": "ï", "\"o": "ö", "\"u": "ü", "'a": "á", "'e": "é", "'i": "í", "'o": "ó",
        "'u": "ú", "`a": "à", "`e": "è", "`i": "ì", "`o": "ò", "`u": "ù", "^a": "â", "^e": "ê", "^i": "î",
        "^o": "ô", "^u": "û", "~a": "ã", "~e": "ẽ", "~n": "ñ", "~o": "õ", "a^": "ă", "e^": "ĕ", "i^": "ĭ",
        "o^": "ŏ", "u^": "ŭ", "y^": "y̆", "oo^": "ŏŏ", ".a": "ȧ", ".u": "u̇", ".r": "ṛ", "-a": "a", "-e": "e",
        "-i": "i", "-o": "o", "-u": "u", ",c": "ç", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "deg": "°",
        "eth": "ð", "thorn": "þ", "th": "th", "ng": "ng", "sect": "§", "root": "√", "aum": "ä", "imac": "ī",
        "asl": "a", "add": "a", "udd": "u", "frac12": "½", "frac14": "¼", "frac34": "¾", "frac13": "⅓",
        "frac23": "⅔", "prime": "′", "min": "′", "sec": "″", "pound": "£", "yogh": "ȝ", "cre": "˘",
        "hand": "☞", "bullet": "•", "divide": "÷", "times": "×", "alpha": "α", "beta": "β", "gamma": "γ",
        "delta": "δ", "epsilon": "ε", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ",
        "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Omega": "Ω",
    ]
}
