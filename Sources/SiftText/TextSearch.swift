/// Substring search with the standard library's answers at a fraction of its cost on ASCII.
///
/// `firstRange(of:)` and `contains(_:)` on strings compare Characters, and each call sets
/// up a searcher: about 20,000 instructions for a search in a question (`make profile`
/// found 3 M of an answer's 48 M in them, most from lists of phrases tried one by one).
/// When the text and the pattern are both plain ASCII without a carriage return, every
/// byte is the Character it spells, so comparing bytes gives the same ranges; anything
/// else is handed to the standard library, so the answer is always the same as its own.
extension StringProtocol {
    /// The first range of `pattern`, as `firstRange(of:)` finds it.
    public func firstRange(ofText pattern: some StringProtocol) -> Range<String.Index>? {
        TextSearch.firstRange(of: Substring(pattern), in: Substring(self))
    }

    /// Whether `pattern` occurs in the text, as `contains(_:)` decides.
    public func contains(text pattern: some StringProtocol) -> Bool {
        TextSearch.firstRange(of: Substring(pattern), in: Substring(self)) != nil
    }

    /// Whether any of `patterns` occurs in the text, as `contains(_:)` decides for each.
    public func contains(anyOf patterns: some Sequence<some StringProtocol>) -> Bool {
        let text = Substring(self)
        let ascii = TextNormalization.isPlainASCII(text)
        return patterns.contains { TextSearch.firstRange(of: Substring($0), in: text, textIsPlainASCII: ascii) != nil }
    }

    /// The first `" — "` (the separator of a title's name and description, "epoll(7) — I/O event
    /// notification"), as `firstRange(of: " — ")` finds it. An ASCII text is not searched: no ASCII
    /// character is canonically equivalent to an em dash, so it holds none.
    public func firstTitleDash() -> Range<String.Index>? {
        utf8.allSatisfy({ $0 < 0x80 }) ? nil : Substring(self).firstRange(of: " — ")
    }
}

enum TextSearch {
    /// The first range of `pattern` in `text`: byte by byte when both are plain ASCII, else the
    /// standard library's `firstRange(of:)`. (The indices of `text` are those of the string it
    /// was made from.)
    static func firstRange(of pattern: Substring, in text: Substring, textIsPlainASCII: Bool? = nil) -> Range<String.Index>? {
        guard !pattern.isEmpty, TextNormalization.isPlainASCII(pattern),
            textIsPlainASCII ?? TextNormalization.isPlainASCII(text)
        else { return text.firstRange(of: pattern) }
        var pattern = pattern
        var text = text
        let offset = pattern.withUTF8 { needle in text.withUTF8 { firstOffset(of: needle, in: $0) } }
        guard let offset else { return nil }
        let lower = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
        return lower..<text.utf8.index(lower, offsetBy: pattern.utf8.count)
    }

    private static func firstOffset(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        let first = needle[0]
        let last = haystack.count - needle.count
        var start = 0
        while start <= last {
            if haystack[start] == first {
                var matched = 1
                while matched < needle.count && haystack[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return start }
            }
            start += 1
        }
        return nil
    }
}
