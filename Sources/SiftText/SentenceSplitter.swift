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
    ///
    /// ASCII text without a carriage return (the one ASCII pair Swift reads as a single `Character`) is
    /// split byte by byte, which gives the same sentences without segmenting it into characters.
    public func sentences(in text: some StringProtocol, limit: Int = .max) -> [String] {
        guard limit > 0 else { return [] }
        if TextNormalization.isPlainASCII(text) {
            return split(Array(text.utf8), limit: limit)
        }
        return split(Array(text), limit: limit)
    }

    func split<Unit: SentenceUnit>(_ chars: [Unit], limit: Int) -> [String] {
        var sentences: [String] = []
        var start = 0
        var i = 0
        func emit(_ end: Int) {
            if end > start {
                let sentence = TextNormalization.foldWhitespace(Unit.string(chars[start..<end]))
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
            guard c.isSentenceEnd else {
                i += 1
                continue
            }
            // Swallow runs of terminators ("?!", "...") and closing quotes or brackets.
            var end = i + 1
            while end < chars.count, chars[end].isTerminator { end += 1 }
            while end < chars.count, chars[end].isCloser { end += 1 }
            if c.isIdeographicStop {
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

    private func isBlankLine<Unit: SentenceUnit>(_ chars: [Unit], after index: Int) -> Bool {
        var j = index + 1
        while j < chars.count, chars[j].isWhitespace {
            if chars[j].isNewline { return true }
            j += 1
        }
        return false
    }

    private func isBoundary<Unit: SentenceUnit>(_ chars: [Unit], terminator i: Int, runEnd: Int, next: Int) -> Bool {
        let following = chars[next]
        // A lowercase continuation never starts a sentence ("e.g. apples", "Yahoo! is").
        if following.isLowercase { return false }
        let opensSentence =
            following.isUppercase || following.isNumber || following.isOpener
            || !following.isLetter && !following.isPunctuation
        guard opensSentence else { return false }
        guard chars[i].isPeriod, runEnd == i + 1 else { return true }
        // The word before the period.
        var j = i
        while j > 0, !chars[j - 1].isWhitespace, !chars[j - 1].isWordFence { j -= 1 }
        let word = Unit.string(chars[j..<i])
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

/// What the splitter reads: a `Character`, or a byte of ASCII text (where each byte is one character
/// and these properties are the `Character`'s).
protocol SentenceUnit {
    var isNewline: Bool { get }
    var isWhitespace: Bool { get }
    var isLowercase: Bool { get }
    var isUppercase: Bool { get }
    var isNumber: Bool { get }
    var isLetter: Bool { get }
    var isPunctuation: Bool { get }
    /// `.`, `!`, `?`, `…` or `。`.
    var isSentenceEnd: Bool { get }
    /// `。`, which ends a sentence whatever follows.
    var isIdeographicStop: Bool { get }
    /// Part of a run of terminators: `.`, `!`, `?`, `…`.
    var isTerminator: Bool { get }
    /// A closing quote or bracket swallowed after a terminator.
    var isCloser: Bool { get }
    /// An opening quote or bracket that may start a sentence.
    var isOpener: Bool { get }
    /// An opening bracket or quote before the word an abbreviation is read from.
    var isWordFence: Bool { get }
    var isPeriod: Bool { get }
    static func string(_ units: ArraySlice<Self>) -> String
}

extension Character: SentenceUnit {
    var isSentenceEnd: Bool { self == "." || self == "!" || self == "?" || self == "…" || self == "。" }
    var isIdeographicStop: Bool { self == "。" }
    var isTerminator: Bool { ".!?…".contains(self) }
    var isCloser: Bool { "\"'”’)]»".contains(self) }
    var isOpener: Bool { "\"'“‘([«¿¡".contains(self) }
    var isWordFence: Bool { "([\"'“‘".contains(self) }
    var isPeriod: Bool { self == "." }
    static func string(_ units: ArraySlice<Character>) -> String { String(units) }
}

extension UInt8: SentenceUnit {
    var isNewline: Bool { self >= 0x0A && self <= 0x0D }
    var isWhitespace: Bool { self == 0x20 || (self >= 0x09 && self <= 0x0D) }
    var isLowercase: Bool { self >= 0x61 && self <= 0x7A }
    var isUppercase: Bool { self >= 0x41 && self <= 0x5A }
    var isNumber: Bool { self >= 0x30 && self <= 0x39 }
    var isLetter: Bool { isLowercase || isUppercase }
    /// Unicode's punctuation categories over ASCII: ``!"#%&'()*,-./:;?@[\]_{}`` (not `$+<=>^`|~`, symbols).
    var isPunctuation: Bool {
        switch self {
        case 0x21...0x23, 0x25...0x2A, 0x2C...0x2F, 0x3A, 0x3B, 0x3F, 0x40, 0x5B...0x5D, 0x5F, 0x7B, 0x7D: true
        default: false
        }
    }
    var isSentenceEnd: Bool { self == 0x2E || self == 0x21 || self == 0x3F }
    var isIdeographicStop: Bool { false }
    var isTerminator: Bool { isSentenceEnd }
    var isCloser: Bool { self == 0x22 || self == 0x27 || self == 0x29 || self == 0x5D }
    var isOpener: Bool { self == 0x22 || self == 0x27 || self == 0x28 || self == 0x5B }
    var isWordFence: Bool { self == 0x28 || self == 0x5B || self == 0x22 || self == 0x27 }
    var isPeriod: Bool { self == 0x2E }
    static func string(_ units: ArraySlice<UInt8>) -> String { String(decoding: units, as: UTF8.self) }
}
