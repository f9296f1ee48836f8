/// Estimates how many tokens a byte-level BPE tokenizer (GPT-2 style, such as
/// SmolLM2's 49k vocabulary) makes of a text, without a vocabulary.
///
/// It guards a model's context window, so it errs high. Measured against
/// SmolLM2-135M-Instruct's tokenizer (llama-server's `/tokenize`) on English
/// prose, dictionary entries, documentation and Swift/Python code, it counts 5 to
/// 70 % more, about 30 % on average, and never fewer; on Russian, Greek, Arabic
/// and accented Latin 10 to 40 % more; on CJK, Korean and Thai up to 60 % more.
/// The rules, one scalar at a time, looking only backwards:
///
/// - an ASCII word costs one token per started run of 4 letters, 2 in an
///   all-capitals run (`BROWN` is `B`·`ROW`·`N`); a lowercase-to-uppercase change
///   (`camelCase`) starts a new run;
/// - every digit is one token (SmolLM2's pre-tokenizer isolates digits);
/// - every other ASCII scalar (punctuation, symbols, tabs, line breaks) is one
///   token, except that a repeated punctuation mark (`----`) costs one per two;
/// - one space before a word or a punctuation mark is free (BPE merges it into
///   what follows); a space before a digit, a line break, other white space or the
///   end of the text is a token; further spaces of a run cost one token per started run of 8;
/// - a non-ASCII scalar costs one token per UTF-8 byte beyond the first, plus one
///   for the first of a run of two-byte scalars: `é`, `ж`, `ω` are 1 (2 at the
///   start of a run), a CJK ideograph or Hangul syllable 3, an emoji 4. A small,
///   mostly English vocabulary has no merges for most of them, so their bytes are the only safe bound.
///
/// Because each scalar's cost depends only on what precedes it, the count of a
/// prefix never exceeds the count of the whole text.
public struct TokenEstimator: Sendable {
    /// What ``prefix(_:maxTokens:)`` appends to a text it cuts.
    public static let ellipsis = "…"

    /// Creates an estimator.
    public init() {}

    /// The estimated token count of `text`.
    public func count(_ text: String) -> Int {
        var scanner = Scanner()
        for scalar in text.unicodeScalars {
            scanner.consume(scalar)
        }
        return scanner.total
    }

    /// `text` itself when it fits in `maxTokens`; otherwise its longest beginning that
    /// fits together with a final ``ellipsis``, cut before a white space (or next to a
    /// CJK character), with trailing white space removed. A first word longer than the
    /// whole allowance is cut inside the word, between two characters. Empty when
    /// `maxTokens` leaves no room for any text.
    ///
    /// `count(prefix(text, maxTokens: m)) <= m` for every `m >= 0`.
    public func prefix(_ text: String, maxTokens: Int) -> String {
        guard maxTokens > 0 else { return "" }
        let allowance = maxTokens - count(Self.ellipsis)
        var scanner = Scanner()
        var wordCut: String.Index?
        var characterCut: String.Index?
        var index = text.startIndex
        var previous: Character?
        while index < text.endIndex {
            let character = text[index]
            if let previous, scanner.tokens <= allowance {
                characterCut = index
                if !previous.isWhitespace, Self.isWordBoundary(between: previous, and: character) {
                    wordCut = index
                }
            }
            for scalar in character.unicodeScalars {
                scanner.consume(scalar)
            }
            if scanner.tokens > maxTokens {
                break
            }
            previous = character
            index = text.index(after: index)
        }
        if index == text.endIndex, scanner.total <= maxTokens {
            return text
        }
        guard allowance > 0, let cut = wordCut ?? characterCut else { return "" }
        var kept = text[..<cut]
        while let last = kept.last, last.isWhitespace {
            kept.removeLast()
        }
        return kept.isEmpty ? "" : String(kept) + Self.ellipsis
    }

    /// A place ``prefix(_:maxTokens:)`` may cut: before white space, or next to a CJK-width (3+ byte) scalar.
    private static func isWordBoundary(between previous: Character, and next: Character) -> Bool {
        next.isWhitespace || (previous.unicodeScalars.last?.utf8.count ?? 0) >= 3
            || (next.unicodeScalars.first?.utf8.count ?? 0) >= 3
    }
}

extension TokenEstimator {
    /// The running count; each scalar's cost depends only on the scalars before it.
    struct Scanner {
        private enum Kind {
            case start, lower, upper, digit, space, otherSpace, punctuation, twoByte, other
        }

        private(set) var tokens = 0
        private var previous = Kind.start
        private var previousScalar: Unicode.Scalar = "\0"
        /// Scalars of the current run (letters, spaces or a repeated mark) since its last token.
        private var sinceToken = 0

        mutating func consume(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x61...0x7A:
                run(every: 4, starts: previous != .lower && previous != .upper)
                previous = .lower
            case 0x41...0x5A:
                run(every: previous == .upper ? 2 : 4, starts: previous != .upper)
                previous = .upper
            case 0x30...0x39:
                chargeLoneSpace()
                tokens += 1
                previous = .digit
            case 0x20:
                if previous == .space || previous == .otherSpace {
                    run(every: 8, starts: previous == .otherSpace || sinceToken == 0)
                } else {
                    sinceToken = 0
                }
                previous = .space
            case 0x09...0x0D:
                chargeLoneSpace()
                tokens += 1
                previous = .otherSpace
            case 0...0x7F:
                run(every: 2, starts: previous != .punctuation || scalar != previousScalar)
                previous = .punctuation
            default:
                if scalar.properties.isWhitespace { chargeLoneSpace() }
                let bytes = scalar.utf8.count
                if bytes == 2 {
                    tokens += previous == .twoByte ? 1 : 2
                    previous = .twoByte
                } else {
                    tokens += bytes
                    previous = .other
                }
            }
            previousScalar = scalar
        }

        /// The count of everything consumed, a space at the very end included.
        var total: Int {
            previous == .space && sinceToken == 0 ? tokens + 1 : tokens
        }

        /// A space that the scalar after it does not absorb (a digit, a line break, other
        /// white space) is a token of its own.
        private mutating func chargeLoneSpace() {
            if previous == .space && sinceToken == 0 {
                tokens += 1
            }
        }

        /// One scalar of a run that costs a token at its start and every `limit` scalars.
        private mutating func run(every limit: Int, starts: Bool) {
            if starts || sinceToken >= limit {
                tokens += 1
                sinceToken = 1
            } else {
                sinceToken += 1
            }
        }
    }
}
