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
    public func firstRange(ofText pattern: some StringProtocol) -> Range<Index>? {
        guard let offsets = Self.asciiOffsets(of: pattern, in: self) else { return firstRange(of: pattern) }
        guard let start = offsets.first else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: start)
        return lower..<utf8.index(lower, offsetBy: offsets.count)
    }

    /// Whether `pattern` occurs in the text, as `contains(_:)` decides.
    public func contains(text pattern: some StringProtocol) -> Bool {
        guard let offsets = Self.asciiOffsets(of: pattern, in: self) else { return contains(pattern) }
        return offsets.first != nil
    }

    /// Whether any of `patterns` occurs in the text, as `contains(_:)` decides for each.
    public func contains(anyOf patterns: some Sequence<some StringProtocol>) -> Bool {
        patterns.contains { contains(text: $0) }
    }

    /// The byte offsets of the first match of `pattern` in `text` (an empty range when there
    /// is none, with `first` nil), or nil when the two are not both plain ASCII or not
    /// contiguous, or the pattern is empty: then the caller asks the standard library.
    private static func asciiOffsets(of pattern: some StringProtocol, in text: Self) -> (first: Int?, count: Int)? {
        let found: (first: Int?, count: Int)?? = pattern.utf8.withContiguousStorageIfAvailable { needle in
            text.utf8.withContiguousStorageIfAvailable { haystack -> (first: Int?, count: Int)? in
                guard !needle.isEmpty, isPlainASCII(needle), isPlainASCII(haystack) else { return nil }
                return (firstOffset(of: needle, in: haystack), needle.count)
            } ?? nil
        }
        return found ?? nil
    }

    private static func isPlainASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 < 0x80 && $0 != 0x0D }
    }

    private static func firstOffset(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        let first = needle[0]
        var start = 0
        let last = haystack.count - needle.count
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
