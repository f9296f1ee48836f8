/// Removes citations to sources that do not exist from an answer while it streams.
///
/// Feed the answer's deltas as they arrive, split anywhere; ``feed(_:)`` returns
/// what can be shown now and holds back only what may still become a citation:
/// one space before a `[`, and the bracket itself up to ``maxHeldScalars``
/// scalars, after which it cannot be a citation and is released as text. A
/// closed citation waits for one more scalar, to tell it from a markdown link
/// (`[1](url)`). ``finish()`` releases the rest. Every scalar is looked at once,
/// so a whole answer costs time in proportion to its length, however it is split,
/// and the output does not depend on the split.
///
/// What counts as a citation: `[` (or `【`), an optional `^` (footnote style,
/// `[` only), then numbers of one to three digits not starting with `0`, separated
/// by `,` or `;` (spaces allowed), where `a-b` or `a–b` is a range, then `]` (`】`).
/// So `[2]`, `[1][3]`, `[1, 3]`, `[1-3]`, `[^2]`, `【2】` and `[12]` are
/// citations, while `[a]`, `[0]`, `arr[0]`, `[2024]`, `[1 2]` and links are text.
///
/// What happens to a citation:
/// - every number valid: a plain `[n]` passes unchanged; other forms are rewritten
///   in the `[1][3]` style the prompt asks for (`[1, 3]` → `[1][3]`, `[^2]` → `[2]`);
/// - some numbers valid: only the valid ones are kept, in the `[1][3]` style;
/// - no number valid: the citation is removed, with the space before it when that
///   space would otherwise end up before punctuation, another space, a line break
///   or the end (`capital [9].` → `capital.`); a removed citation at the start of
///   a line takes the space after it.
///
/// Ranges of at most ``maxExpandedRange`` numbers are expanded (`[1-3]` →
/// `[1][2][3]` when all are valid); a longer or reversed range stands for its
/// two ends only. Brackets right after a word (`capital[2]`) are citations,
/// since models write them so; text inside code spans and fences (between
/// matching runs of backticks) is never touched, which keeps `arr[3]` intact in code.
public struct CitationFilter: Sendable {
    /// The longest bracket held back while it may still be a citation, opening bracket included.
    public static let maxHeldScalars = 16
    /// The longest range (`[1-5]`) expanded to each of its numbers.
    public static let maxExpandedRange = 5

    /// The source numbers a citation may use.
    public let validNumbers: Set<Int>
    /// Invalid numbers seen in citations, in order of first appearance, without repeats.
    public private(set) var removed: [Int] = []
    /// Valid numbers kept in the output.
    public private(set) var cited: Set<Int> = []

    private var removedSet: Set<Int> = []
    /// A space held back because a citation may follow it.
    private var pendingSpace = false
    /// The possible citation being read, from its opening bracket; empty when none.
    private var candidate = String.UnicodeScalarView()
    /// The candidate is a complete citation waiting for the next scalar.
    private var candidateClosed = false
    /// Nothing was released yet, or the last scalar released was a line break.
    private var atLineStart = true
    /// Drop the next scalar if it is a space (after a citation removed at a line start).
    private var skipSpace = false
    /// Length of the run of backticks just read.
    private var backtickRun = 0
    /// The length of the backtick run that opened the code span we are in; 0 outside code.
    private var codeFence = 0

    /// Creates a filter that keeps citations to `validNumbers`.
    public init(validNumbers: some Sequence<Int>) {
        self.validNumbers = Set(validNumbers)
    }

    /// Takes the next piece of the answer; returns the text that can be released now.
    public mutating func feed(_ delta: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in delta.unicodeScalars {
            consume(scalar, into: &out)
        }
        return String(out)
    }

    /// Ends the answer; returns everything still held back.
    public mutating func finish() -> String {
        var out = String.UnicodeScalarView()
        if candidateClosed {
            resolveCandidate(next: nil, into: &out)
        } else if !candidate.isEmpty {
            releaseCandidate(into: &out)
        }
        if pendingSpace {
            pendingSpace = false
            emit(" ", into: &out)
        }
        skipSpace = false
        backtickRun = 0
        codeFence = 0
        atLineStart = true
        return String(out)
    }

    // MARK: - Scanning

    private mutating func consume(_ scalar: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        if candidateClosed {
            if scalar == "(" && candidate.first == "[" {
                releaseCandidate(into: &out)
            } else {
                resolveCandidate(next: scalar, into: &out)
            }
        } else if !candidate.isEmpty {
            if extendCandidate(with: scalar, into: &out) { return }
            releaseCandidate(into: &out)
        }
        plain(scalar, into: &out)
    }

    /// A scalar outside any candidate.
    private mutating func plain(_ scalar: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        if skipSpace {
            skipSpace = false
            if scalar == " " { return }
        }
        if scalar == "`" {
            releasePendingSpace(into: &out)
            backtickRun += 1
            emit(scalar, into: &out)
            return
        }
        if backtickRun > 0 {
            if codeFence == 0 {
                codeFence = backtickRun
            } else if backtickRun == codeFence {
                codeFence = 0
            }
            backtickRun = 0
        }
        if codeFence > 0 {
            emit(scalar, into: &out)
            return
        }
        switch scalar {
        case " ":
            releasePendingSpace(into: &out)
            pendingSpace = true
        case "[", "【":
            candidate.append(scalar)
        default:
            releasePendingSpace(into: &out)
            emit(scalar, into: &out)
        }
    }

    /// Adds `scalar` to the candidate if it can continue a citation; false when the candidate is text.
    private mutating func extendCandidate(with scalar: Unicode.Scalar, into out: inout String.UnicodeScalarView) -> Bool {
        let closer: Unicode.Scalar = candidate.first == "【" ? "】" : "]"
        if scalar == closer {
            candidate.append(scalar)
            if Self.citedNumbers(in: candidate) == nil {
                releaseCandidate(into: &out)
            } else {
                candidateClosed = true
            }
            return true
        }
        guard candidate.count < Self.maxHeldScalars - 1 else { return false }
        switch scalar {
        case "0"..."9", ",", ";", " ", "-", "–":
            break
        case "^" where candidate.count == 1 && closer == "]":
            break
        default:
            return false
        }
        candidate.append(scalar)
        return true
    }

    /// Writes the closed candidate as a citation of its valid numbers, or removes it.
    private mutating func resolveCandidate(next: Unicode.Scalar?, into out: inout String.UnicodeScalarView) {
        let numbers = Self.citedNumbers(in: candidate) ?? []
        candidate.removeAll()
        candidateClosed = false
        var kept: [Int] = []
        for number in numbers {
            if validNumbers.contains(number) {
                if !kept.contains(number) { kept.append(number) }
            } else if removedSet.insert(number).inserted {
                removed.append(number)
            }
        }
        if !kept.isEmpty {
            releasePendingSpace(into: &out)
            for number in kept {
                emit("[", into: &out)
                out.append(contentsOf: String(number).unicodeScalars)
                emit("]", into: &out)
            }
            cited.formUnion(kept)
            return
        }
        // Removed. A held space goes too when it would stand before punctuation,
        // white space or the end; before another bracket it stays held.
        if pendingSpace {
            if let next, !Self.isSpaceOrClosingPunctuation(next) { return }
            pendingSpace = false
        } else if atLineStart {
            skipSpace = true
        }
    }

    /// Releases the candidate as plain text, with the space held before it.
    private mutating func releaseCandidate(into out: inout String.UnicodeScalarView) {
        releasePendingSpace(into: &out)
        for scalar in candidate {
            emit(scalar, into: &out)
        }
        candidate.removeAll()
        candidateClosed = false
    }

    private mutating func releasePendingSpace(into out: inout String.UnicodeScalarView) {
        if pendingSpace {
            pendingSpace = false
            emit(" ", into: &out)
        }
    }

    private mutating func emit(_ scalar: Unicode.Scalar, into out: inout String.UnicodeScalarView) {
        out.append(scalar)
        atLineStart = scalar == "\n"
    }

    private static func isSpaceOrClosingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", ".", ",", ";", ":", "!", "?", ")", "]", "}", "…", "。", "，":
            true
        default:
            false
        }
    }

    // MARK: - Parsing

    /// The numbers a complete bracket cites, ranges expanded; nil when it is not a citation.
    static func citedNumbers(in bracket: String.UnicodeScalarView) -> [Int]? {
        var body = Array(bracket.dropFirst().dropLast())
        if body.first == "^" { body.removeFirst() }
        var numbers: [Int] = []
        for item in body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == ";" }) {
            let ends = item.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "-" || $0 == "–" })
            switch ends.count {
            case 1:
                guard let number = number(ends[0]) else { return nil }
                numbers.append(number)
            case 2:
                guard let low = number(ends[0]), let high = number(ends[1]) else { return nil }
                if high >= low && high - low < maxExpandedRange {
                    numbers.append(contentsOf: low...high)
                } else {
                    numbers.append(contentsOf: [low, high])
                }
            default:
                return nil
            }
        }
        return numbers.isEmpty ? nil : numbers
    }

    /// A citation number: one to three digits, not starting with 0, with optional spaces around.
    private static func number(_ scalars: ArraySlice<Unicode.Scalar>) -> Int? {
        let digits = scalars.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()
        guard (1...3).contains(digits.count), digits.first != "0" else { return nil }
        var value = 0
        for scalar in digits {
            guard ("0"..."9").contains(scalar) else { return nil }
            value = value * 10 + Int(scalar.value - 0x30)
        }
        return value
    }
}
