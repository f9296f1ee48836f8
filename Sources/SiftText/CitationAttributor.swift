import SiftCore

/// Gives sentences that a model left uncited the citation of the passage that
/// supports them, as the answer streams.
///
/// Small models often answer correctly from the sources yet cite nothing. At each
/// sentence end (`.`, `!` or `?` followed by space, or the end of the answer) a
/// sentence without a `[n]` is compared with the ranked passages: when at least
/// half of its content words (and at least two) appear in one passage, ` [n]` of
/// that passage's source is written before the sentence's closing punctuation.
/// A sentence no passage supports stays uncited; a sentence the model cited, or
/// cited after its full stop (`... Canberra. [1]`), is left as it is.
///
/// Only the sentence-ending punctuation and the white space after it are held
/// back, so the text streams on with at most a few characters' delay. Code spans
/// and fences (backticks) hold no sentence ends, so nothing is added inside code.
public struct CitationAttributor: Sendable {
    struct Evidence: Sendable {
        var sourceN: Int
        var words: Set<String>
    }

    /// Most white space held after a full stop while waiting to see whether a citation follows.
    static let maxHeldSpace = 8

    let evidence: [Evidence]
    let tokenizer = Tokenizer()
    var sentence = ""
    var held = ""
    var sentenceCited = false
    /// The backticks just seen, and the length of the run that opened the code span we are in (0: none).
    var backticks = 0
    var codeFence = 0
    /// Citations written by this attributor, in order.
    public private(set) var attributed: [Int] = []

    public init(passages: [Passage]) {
        let tokenizer = Tokenizer()
        evidence = passages.map { passage in
            Evidence(sourceN: passage.sourceN, words: Set(tokenizer.tokens(in: passage.text).filter(Self.isContentWord)))
        }
    }

    static func isContentWord(_ word: String) -> Bool {
        !StopWords.english.contains(word) && (word.count > 1 || word.first?.isNumber == true)
    }

    /// The text that can be written now.
    public mutating func feed(_ text: String) -> String {
        var out = ""
        for character in text { consume(character, into: &out) }
        return out
    }

    /// The rest, with the last sentence's citation when it needs one.
    public mutating func finish() -> String {
        var out = citationForSentence() + held
        if held.isEmpty, out.isEmpty { out = "" }
        held = ""
        sentence = ""
        sentenceCited = false
        return out
    }

    mutating func consume(_ character: Character, into out: inout String) {
        // Inside code (between backtick runs of the same length) nothing is a sentence end.
        if character == "`" {
            if !held.isEmpty { endSentence(next: nil, into: &out) }
            backticks += 1
            out.append(character)
            return
        }
        if backticks > 0 {
            if codeFence == 0 {
                codeFence = backticks
            } else if backticks == codeFence {
                codeFence = 0
            }
            backticks = 0
        }
        if codeFence > 0 {
            // Code is not prose: it neither ends a sentence nor counts as its words.
            out.append(character)
            return
        }
        if held.isEmpty {
            if Self.isTerminator(character) {
                held.append(character)
            } else {
                if character == "[" || (character.isNumber && sentence.last == "[") { markIfCitation(character) }
                sentence.append(character)
                out.append(character)
            }
            return
        }
        if character.isWhitespace {
            held.append(character)
            if held.count > Self.maxHeldSpace { endSentence(next: nil, into: &out) }
        } else if Self.isTerminator(character) || character == "\"" || character == "”" || character == ")" {
            held.append(character)
        } else if character == "[" {
            // A citation after the full stop belongs to the sentence that just ended.
            out += held
            out.append(character)
            held = ""
            sentence = "["
            sentenceCited = true
        } else if !held.contains(where: \.isWhitespace) {
            // "3.5", "e.g.x": not a sentence end.
            sentence += held
            sentence.append(character)
            out += held
            out.append(character)
            held = ""
        } else {
            endSentence(next: character, into: &out)
        }
    }

    mutating func endSentence(next: Character?, into out: inout String) {
        out += citationForSentence() + held
        held = ""
        sentence = ""
        sentenceCited = false
        if let next {
            sentence.append(next)
            out.append(next)
        }
    }

    /// Notes a `[` followed by a digit as a citation the model wrote.
    mutating func markIfCitation(_ character: Character) {
        if character.isNumber { sentenceCited = true }
    }

    /// ` [n]` for the current sentence when it is uncited and a passage supports it.
    mutating func citationForSentence() -> String {
        guard !sentenceCited else { return "" }
        let words = Set(tokenizer.tokens(in: sentence).filter(Self.isContentWord))
        guard words.count >= 2 else { return "" }
        var best: (n: Int, overlap: Int)?
        for item in evidence {
            let overlap = words.intersection(item.words).count
            if overlap > (best?.overlap ?? 0) { best = (item.sourceN, overlap) }
        }
        guard let best, best.overlap >= 2, Double(best.overlap) >= Double(words.count) * 0.5 else { return "" }
        attributed.append(best.n)
        // Before the closing punctuation, after any trailing space the model wrote.
        let trailingSpace = sentence.last?.isWhitespace == true
        return trailingSpace ? "[\(best.n)]" : " [\(best.n)]"
    }

    static func isTerminator(_ character: Character) -> Bool {
        character == "." || character == "!" || character == "?" || character == "。"
    }
}
