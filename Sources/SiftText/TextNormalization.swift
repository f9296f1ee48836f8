/// Small whitespace helpers shared by the analyzer, the ranker and the synthesizer.
public enum TextNormalization {
    /// `text` trimmed, with every run of white space (including newlines) folded to one space.
    static func foldWhitespace(_ text: some StringProtocol) -> String {
        // ASCII without a carriage return: byte by byte, each byte being the character it is.
        if isPlainASCII(text) {
            return foldSpaces(text.utf8) { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
        }
        return foldWhitespaceByCharacter(text)
    }

    /// UTF-8 `bytes` trimmed, with every run of the bytes `isSpace` picks folded to one space.
    static func foldSpaces(_ bytes: some Collection<UInt8>, isSpace: (UInt8) -> Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            if isSpace(byte) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// ``foldWhitespace(_:)`` character by character, for any text.
    static func foldWhitespaceByCharacter(_ text: some StringProtocol) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for c in text {
            if c.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(c)
            }
        }
        return result
    }

    /// Whether `text` is ASCII without a carriage return: then each byte is one `Character`, the one it
    /// spells (a carriage return pairs with a following newline into one), and byte-wise work is exact.
    public static func isPlainASCII(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { $0 < 0x80 && $0 != 0x0D }
    }

    /// `text.split(separator: separator)`, read byte by byte when the text is plain ASCII and the
    /// separator one ASCII byte other than a carriage return (each byte then is the Character it
    /// spells, so the pieces are the same); the standard split otherwise.
    static func split(_ text: Substring, on separator: Character) -> [Substring] {
        guard separator.utf8.count == 1, let byte = separator.asciiValue, byte != 0x0D, isPlainASCII(text) else {
            return text.split(separator: separator)
        }
        return text.utf8.split(separator: byte).map { Substring($0) }
    }

    /// ``split(_:on:)`` for a whole string.
    static func split(_ text: String, on separator: Character) -> [Substring] {
        split(Substring(text), on: separator)
    }

    /// The lines of `text`, trimmed, without empty ones.
    static func lines(_ text: String) -> [String] {
        guard isPlainASCII(text) else {
            return text.split(whereSeparator: \.isNewline).map { String(trim($0)) }.filter { !$0.isEmpty }
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var lines: [String] = []
        for line in text.utf8.split(whereSeparator: { $0 >= 0x0A && $0 <= 0x0D }) {
            guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) })
            else { continue }
            lines.append(String(decoding: line[first...last], as: UTF8.self))
        }
        return lines
    }

    /// `text` without leading and trailing white space.
    static func trim(_ text: some StringProtocol) -> Substring {
        let s = Substring(text)
        guard let first = s.firstIndex(where: { !$0.isWhitespace }),
            let last = s.lastIndex(where: { !$0.isWhitespace })
        else { return s[s.endIndex...] }
        return s[first...last]
    }

    /// `text` with its first character uppercased.
    static func capitalizingFirst(_ text: some StringProtocol) -> String {
        guard let first = text.first else { return "" }
        return first.uppercased() + text.dropFirst()
    }

    /// Whether `needle` occurs in `haystack` as a contiguous run of tokens.
    static func containsRun(_ haystack: [String], _ needle: [String]) -> Bool {
        firstRun(of: needle, in: haystack) != nil
    }

    /// The index where `needle` first occurs in `haystack` as a contiguous run of tokens.
    static func firstRun(of needle: [String], in haystack: [String]) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        outer: for start in 0...(haystack.count - needle.count) {
            for k in 0..<needle.count where haystack[start + k] != needle[k] {
                continue outer
            }
            return start
        }
        return nil
    }
}
