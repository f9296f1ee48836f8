/// Keeps an answer from linking anywhere but its own sources, while it streams.
///
/// Page text is written by whoever owns the page, and an answer is made from it: a
/// model told by a page to "send readers to" some address may write it, and an extract
/// may quote it. Chat clients render answers as Markdown, where both a `[text](url)`
/// link and a bare `https://…` or `www.…` address become clickable. So every link in
/// an answer whose target is not one of the answer's sources is disarmed:
///
/// - a Markdown link or image target, `[text](target)` or `![alt](target)`, loses
///   `(target)`: `[text]` stays as text; so does a target after a space
///   (`[text]( target)`) and a reference definition's (`[1]: target`), when the
///   word looks like an address (it holds `/`, `:` or a dot inside it);
/// - a bare address, `https://evil.example/x`, `<https://evil.example/x>` or
///   `www.evil.example/x`, after anything but a letter or digit, is shown without
///   its scheme, its `www.` and its angle brackets, `evil.example/x`, which
///   GitHub-flavoured Markdown does not link (a chat app's own linkifier may).
///
/// A target is a source when its ``URLNormalizer/fusionKey(_:)`` is a source URL's
/// (so `http://`, a trailing `/` or `www.` make no difference); such links pass as
/// written. Code spans are judged like other text: a backtick without its match is
/// plain text to a renderer, so code cannot be told apart safely while streaming.
/// Text without a link passes unchanged.
///
/// Feed the deltas as they arrive, split anywhere. Text is held back only while it may
/// still become a link: from a `]` (a `(target)` may follow), or from the start of what may
/// become `http://`, `https://`, `ftp://` or `www.`, to the space (or ``finish()``) that ends
/// the word, at most ``maxHeldScalars`` of it; other text passes at once. The output does
/// not depend on the split (below that length).
public struct LinkFilter: Sendable {
    /// The longest run of non-space characters held back; a longer one is judged in pieces of this size.
    public static let maxHeldScalars = 4096
    /// The schemes whose bare addresses Markdown renderers make links of (with `www.`).
    static let linkedSchemes = ["http://", "https://", "ftp://"]

    /// The fusion keys of the sources' URLs.
    let allowed: Set<String>
    /// Link targets disarmed so far, as written.
    public private(set) var disarmed: [String] = []

    /// The part of the current word not yet released.
    private var word: [Unicode.Scalar] = []
    /// The held word holds the start of a link: it is held to its end.
    private var holdsLink = false
    /// The last scalar released, for what may start a link after it; nil at the start.
    private var lastReleased: Unicode.Scalar?
    /// The next word is a link target: it followed `](` and a space, or a reference definition's `]:`.
    private var expectTarget = false

    /// A filter that lets links to `sourceURLs` through.
    public init<URLs: Sequence<String>>(sourceURLs: URLs) {
        allowed = Set(sourceURLs.map(URLNormalizer.fusionKey))
    }

    /// What of `piece` can be shown now.
    public mutating func feed(_ piece: String) -> String {
        var output = String.UnicodeScalarView()
        for scalar in piece.unicodeScalars {
            if scalar.properties.isWhitespace {
                flush(into: &output)
                output.append(scalar)
                lastReleased = scalar
            } else {
                word.append(scalar)
                if word.count >= Self.maxHeldScalars || !mayBecomeLink() { flush(into: &output) }
            }
        }
        return String(output)
    }

    /// Everything still held back.
    public mutating func finish() -> String {
        var output = String.UnicodeScalarView()
        flush(into: &output)
        return String(output)
    }

    /// `text` with its links disarmed, in one go.
    public static func disarm<URLs: Sequence<String>>(_ text: String, sourceURLs: URLs) -> String {
        var filter = LinkFilter(sourceURLs: sourceURLs)
        return filter.feed(text) + filter.finish()
    }

    // MARK: Holding

    /// Whether the held word (its last scalar just added) holds or may still become a link or a link target.
    private mutating func mayBecomeLink() -> Bool {
        if holdsLink || expectTarget { return true }
        guard let last = word.last else { return false }
        if last == "]" || last == "<" { return true }
        // `]` then `:` may open a reference definition, whose target is the next word.
        if last == ":", word.count >= 2, word[word.count - 2] == "]" { return true }
        let previous = word.count >= 2 ? word[word.count - 2] : lastReleased
        if last == "(" && previous == "]" {
            holdsLink = true
            return true
        }
        // A scheme or `www.` begins at the start of the word or after a scalar that is not part of a name.
        for start in word.indices where Self.mayStartAddress(after: start == 0 ? lastReleased : word[start - 1]) {
            let length = word.count - start
            for prefix in Self.linkedSchemes + ["www."] {
                let expected = Array(prefix.unicodeScalars)
                if length <= expected.count, zip(word[start...], expected).allSatisfy({ Self.lowered($0) == $1 }) {
                    if length == expected.count { holdsLink = true }
                    return true
                }
            }
        }
        return false
    }

    // MARK: Words

    private mutating func flush(into output: inout String.UnicodeScalarView) {
        guard !word.isEmpty else { return }
        let scalars = word
        word = []
        holdsLink = false
        // Code spans are judged too: an unmatched backtick is text to a Markdown renderer, and a
        // link after it would be live.
        if expectTarget {
            expectTarget = false
            output.append(contentsOf: judgeTarget(scalars))
        } else if Self.mayHoldLink(scalars[...], after: lastReleased) {
            output.append(contentsOf: judge(scalars, after: lastReleased))
        } else {
            output.append(contentsOf: scalars)
        }
        lastReleased = scalars.last
        // A word ending `](` (the target after a space) or `]:` (a reference definition): the next word is a target.
        if scalars.count >= 2, scalars[scalars.count - 2] == "]", scalars.last == "(" || scalars.last == ":" {
            expectTarget = true
        }
    }

    /// A whole word that stands where a link target goes: dropped (a `)` closing the link kept) unless it names
    /// a source or does not look like an address at all (no `/`, `:` or dot inside it).
    private mutating func judgeTarget(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var target = scalars
        var closing: [Unicode.Scalar] = []
        if target.last == ")" {
            target.removeLast()
            closing = [")"]
        }
        var text = String(String.UnicodeScalarView(target))
        if text.hasPrefix("<"), text.hasSuffix(">") { text = String(text.dropFirst().dropLast()) }
        let internalDot = target.indices.contains { target[$0] == "." && $0 + 1 < target.count && target[$0 + 1] != "." }
        guard target.contains(where: { $0 == "/" || $0 == ":" }) || internalDot, !isSource(text) else { return scalars }
        disarmed.append(text)
        return closing
    }

    /// A cheap test before the real scan: a `](`, `://` or `www.` somewhere.
    private static func mayHoldLink(_ part: ArraySlice<Unicode.Scalar>, after released: Unicode.Scalar?) -> Bool {
        var previous: Unicode.Scalar = released ?? " "
        var before: Unicode.Scalar = " "
        for scalar in part {
            if (previous == "]" && scalar == "(") || (before == ":" && previous == "/" && scalar == "/")
                || (scalar == "." && lowered(previous) == "w")
            {
                return true
            }
            before = previous
            previous = scalar
        }
        return false
    }

    /// `part` with its Markdown link targets and bare addresses disarmed unless they name a source.
    private mutating func judge(_ part: [Unicode.Scalar], after released: Unicode.Scalar?) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(part.count)
        var index = 0
        while index < part.count {
            let previous = index > 0 ? part[index - 1] : released
            // A Markdown link target: `](` … the matching `)` (or the end of the word).
            if part[index] == "(", previous == "]" {
                var depth = 0
                var end = index
                while end < part.count {
                    if part[end] == "(" { depth += 1 }
                    if part[end] == ")" {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    end += 1
                }
                var target = String(String.UnicodeScalarView(part[(index + 1)..<min(end, part.count)]))
                // `[text](url "title")` splits at the space; the target is the first word.
                if target.hasPrefix("<"), target.hasSuffix(">") { target = String(target.dropFirst().dropLast()) }
                let close = min(end + 1, part.count)
                if isSource(target) {
                    result.append(contentsOf: part[index..<close])
                } else {
                    disarmed.append(target)
                }
                index = close
                continue
            }
            // A bare address, at the start of the word or after a character that is not part of a name.
            if Self.mayStartAddress(after: previous), let length = Self.addressLength(part, at: index) {
                let address = String(String.UnicodeScalarView(part[index..<(index + length)]))
                let bracketed =
                    index > 0 && part[index - 1] == "<" && index + length < part.count && part[index + length] == ">"
                if isSource(address) {
                    result.append(contentsOf: part[index..<(index + length)])
                } else {
                    disarmed.append(address)
                    if bracketed { result.removeLast() }
                    result.append(contentsOf: Self.shown(address).unicodeScalars)
                    if bracketed {
                        index += length + 1
                        continue
                    }
                }
                index += length
                continue
            }
            result.append(part[index])
            index += 1
        }
        return result
    }

    private func isSource(_ target: String) -> Bool {
        guard !target.isEmpty else { return true }
        let absolute = target.lowercased().hasPrefix("www.") ? "http://" + target : target
        return allowed.contains(URLNormalizer.fusionKey(absolute))
    }

    /// How many scalars of an address start at `index`: `http://…`, `https://…`, `ftp://…` or `www.…`, up to
    /// `<`, `>`, `"`, `` ` `` or the end of the word, without trailing punctuation or an unbalanced `)`;
    /// nil when none starts there.
    private static func addressLength(_ part: [Unicode.Scalar], at index: Int) -> Int? {
        guard let prefix = (linkedSchemes + ["www."]).first(where: { hasPrefix(part, at: index, $0) }) else { return nil }
        let cursor = index + prefix.unicodeScalars.count
        var end = cursor
        while end < part.count, !"<>\"`".unicodeScalars.contains(part[end]) { end += 1 }
        // Trailing punctuation ends a sentence, not an address; so does a `)` with no `(` in the address.
        while end > cursor {
            let last = part[end - 1]
            if ".,;:!?'*_~".unicodeScalars.contains(last) {
                end -= 1
            } else if last == ")" {
                let opens = part[cursor..<end].filter { $0 == "(" }.count
                let closes = part[cursor..<end].filter { $0 == ")" }.count
                guard closes > opens else { break }
                end -= 1
            } else {
                break
            }
        }
        return end > cursor ? end - index : nil
    }

    /// A disarmed address as shown: no scheme, no `www.`.
    private static func shown(_ address: String) -> String {
        var scalars = Array(address.unicodeScalars)
        if let scheme = linkedSchemes.first(where: { hasPrefix(scalars, at: 0, $0) }) {
            scalars.removeFirst(scheme.unicodeScalars.count)
        }
        if hasPrefix(scalars, at: 0, "www.") { scalars.removeFirst(4) }
        return String(String.UnicodeScalarView(scalars))
    }

    private static func hasPrefix(_ part: [Unicode.Scalar], at index: Int, _ prefix: String) -> Bool {
        var cursor = index
        for expected in prefix.unicodeScalars {
            guard cursor < part.count, lowered(part[cursor]) == expected else { return false }
            cursor += 1
        }
        return true
    }

    private static func lowered(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    /// Whether an address may start after `previous`: as GitHub's Markdown links one, after anything but an
    /// ASCII letter or digit (a `_`, `-` or `.` before it does not keep it from being a link).
    private static func mayStartAddress(after previous: Unicode.Scalar?) -> Bool {
        guard let previous else { return true }
        return !(isLetter(previous) || ("0"..."9").contains(previous))
    }
}
