/// Splits prose into sentences.
///
/// A sentence ends at `.`, `!`, `?` or `…` (optionally followed by closing quotes
/// or brackets) when white space and a sentence opener follow, and at blank
/// lines. It does not end after abbreviations ("e.g.", "i.e.", "Dr.", "No. 5"),
/// before a lowercase word ("etc. and"), after initials ("J. R. R. Tolkien"), or inside decimals
/// ("3.14") and dotted names ("node.js"). Sentences come back trimmed, with
/// white space folded.
public struct SentenceSplitter: Sendable {
    /// Lowercased abbreviations, without their final period, after which a period does not end a sentence.
    public var abbreviations: Set<String>

    /// Abbreviations recognized by default.
    public static let defaultAbbreviations: Set<String> = [
        "e.g", "i.e", "cf", "viz", "vs", "al", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft",
        "gen", "col", "lt", "sgt", "capt", "rev", "hon", "gov", "sen", "rep", "inc", "ltd", "co", "corp", "dept",
        "univ", "u.s", "u.k", "u.n", "ph.d", "esp", "incl",
    ]

    /// Abbreviations that only hold before a number ("No. 5", "c. 1500", "Jan. 12"): "I said no. Then" ends.
    static let numberAbbreviations: Set<String> = [
        "no", "nos", "vol", "vols", "p", "pp", "fig", "figs", "ch", "sec", "op", "c", "ca", "approx", "est",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    ]

    /// Creates a splitter with ``defaultAbbreviations``.
    public init(abbreviations: Set<String> = SentenceSplitter.defaultAbbreviations) {
        self.abbreviations = abbreviations
    }

    /// The sentences of `text`, in order, without empty ones; at most `limit` of them, the first
    /// (the same as the first `limit` of all of them, found without reading on).
    public func sentences(in text: some StringProtocol, limit: Int = .max) -> [String] {
        guard limit > 0 else { return [] }
        let chars = Array(text)
        var sentences: [String] = []
        var start = 0
        var i = 0
        func emit(_ end: Int) {
            if end > start {
                let sentence = TextNormalization.foldWhitespace(String(chars[start..<end]))
                if !sentence.isEmpty { sentences.append(sentence) }
            }
            start = end
        }
        while i < chars.count, sentences.count < limit {
            let c = chars[i]
            if c.isNewline, isBlankLine(chars, after: i) {
                emit(i)
                i += 1
                continue
            }
            guard c == "." || c == "!" || c == "?" || c == "…" || c == "。" else {
                i += 1
                continue
            }
            // Swallow runs of terminators ("?!", "...") and closing quotes or brackets.
            var end = i + 1
            while end < chars.count, ".!?…".contains(chars[end]) { end += 1 }
            while end < chars.count, "\"'”’)]»".contains(chars[end]) { end += 1 }
            if c == "。" {
                emit(end)
                i = end
                continue
            }
            guard end == chars.count || chars[end].isWhitespace else {
                i = end
                continue
            }
            var next = end
            while next < chars.count, chars[next].isWhitespace { next += 1 }
            if next == chars.count {
                emit(end)
                break
            }
            if isBoundary(chars, terminator: i, runEnd: end, next: next) {
                emit(end)
            }
            i = end
        }
        if sentences.count < limit { emit(chars.count) }
        return sentences
    }

    private func isBlankLine(_ chars: [Character], after index: Int) -> Bool {
        var j = index + 1
        while j < chars.count, chars[j].isWhitespace {
            if chars[j].isNewline { return true }
            j += 1
        }
        return false
    }

    private func isBoundary(_ chars: [Character], terminator i: Int, runEnd: Int, next: Int) -> Bool {
        let following = chars[next]
        // A lowercase continuation never starts a sentence ("e.g. apples", "Yahoo! is").
        if following.isLowercase { return false }
        let opensSentence =
            following.isUppercase || following.isNumber || "\"'“‘([«¿¡".contains(following)
            || !following.isLetter && !following.isPunctuation
        guard opensSentence else { return false }
        guard chars[i] == ".", runEnd == i + 1 else { return true }
        // The word before the period.
        var j = i
        while j > 0, !chars[j - 1].isWhitespace, !"([\"'“‘".contains(chars[j - 1]) { j -= 1 }
        let word = String(chars[j..<i])
        let lower = word.lowercased()
        if abbreviations.contains(lower) { return false }
        if following.isNumber, Self.numberAbbreviations.contains(lower) { return false }
        // Initials: "J. R. R. Tolkien", "A.B. Smith".
        if word.count == 1, word.first?.isUppercase == true, following.isUppercase { return false }
        if word.contains("."), word.split(separator: ".").allSatisfy({ $0.count == 1 }), following.isUppercase {
            return false
        }
        return true
    }
}
