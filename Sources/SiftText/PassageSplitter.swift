/// Splits a ``ReadableDocument`` into passages of roughly `minWords`...`maxWords` words,
/// cutting at block boundaries first, then at sentence boundaries, and only as a last
/// resort inside a sentence. Each passage carries the nearest section heading above it.
///
/// Passages never cross a heading: a short section gives a short passage. A small tail
/// left at the end of a section is merged into the passage before it when that fits.
public struct PassageSplitter: Sendable {
    /// One passage of a document.
    public struct Chunk: Sendable, Equatable {
        /// The nearest heading above the passage (`nil` before the first heading).
        public var heading: String?
        /// The passage text; blocks are separated by a newline.
        public var text: String
        /// Number of words in ``text``.
        public var wordCount: Int

        /// A passage under `heading`.
        public init(heading: String?, text: String, wordCount: Int) {
            self.heading = heading
            self.text = text
            self.wordCount = wordCount
        }

        /// The text prefixed with its heading ("Heading: text"), for display with context.
        public var textWithHeading: String {
            guard let heading, !heading.isEmpty else { return text }
            return "\(heading): \(text)"
        }
    }

    /// Passages shorter than this are joined with the next block of the same section.
    public var minWords: Int
    /// Passages are cut so as not to exceed this many words.
    public var maxWords: Int

    /// A splitter aiming at `minWords`...`maxWords` words a passage.
    public init(minWords: Int = 40, maxWords: Int = 150) {
        self.minWords = max(1, minWords)
        self.maxWords = max(self.minWords, maxWords)
    }

    /// Splits the blocks of `document` into passages.
    public func split(_ document: ReadableDocument) -> [Chunk] {
        var builder = Builder(splitter: self)
        for block in document.blocks {
            switch block.kind {
            case .heading:
                builder.endSection()
                builder.heading = block.text
            case .preformatted:
                builder.add(block.text, preformatted: true)
            case .paragraph, .listItem:
                builder.add(block.text, preformatted: false)
            }
        }
        builder.endSection()
        return builder.chunks
    }

    /// Splits plain `text` (paragraphs separated by blank lines) under `heading`.
    public func split(text: String, heading: String? = nil) -> [Chunk] {
        var blocks: [ReadableDocument.Block] = []
        if let heading { blocks.append(.init(kind: .heading(level: 2), text: heading)) }
        for paragraph in paragraphs(of: text) {
            blocks.append(.init(kind: .paragraph, text: paragraph))
        }
        return split(ReadableDocument(title: "", blocks: blocks))
    }

    /// Counts words: runs of non-space characters.
    public static func wordCount(_ text: String) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if space {
                inWord = false
            } else if !inWord {
                inWord = true
                count += 1
            }
        }
        return count
    }

    /// Splits `text` into sentences at `.`, `!` or `?` followed by a space and an
    /// upper-case letter, digit, quote or bracket, skipping common abbreviations and initials.
    public static func sentences(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var result: [String] = []
        var start = 0
        var i = 0
        let count = bytes.count
        while i < count {
            let b = bytes[i]
            if b == UInt8(ascii: "\n") && i > start {
                appendSentence(bytes[start..<i], to: &result)
                start = i + 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "!") || b == UInt8(ascii: "?") {
                var end = i + 1
                // Closing quotes or brackets belong to the sentence.
                while end < count, bytes[end] == UInt8(ascii: "\"") || bytes[end] == UInt8(ascii: ")")
                    || bytes[end] == UInt8(ascii: "'")
                {
                    end += 1
                }
                if end + 1 < count, bytes[end] == 0x20, startsSentence(bytes[end + 1]),
                    b != UInt8(ascii: ".") || !isAbbreviation(bytes, dotAt: i)
                {
                    appendSentence(bytes[start..<end], to: &result)
                    start = end + 1
                    i = end
                }
            }
            i += 1
        }
        if start < count { appendSentence(bytes[start..<count], to: &result) }
        return result
    }

    private static func appendSentence(_ bytes: ArraySlice<UInt8>, to result: inout [String]) {
        var lower = bytes.startIndex
        var upper = bytes.endIndex
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x0A { lower += 1 }
        while upper > lower, bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x0A { upper -= 1 }
        if lower < upper { result.append(String(decoding: bytes[lower..<upper], as: UTF8.self)) }
    }

    private static func startsSentence(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "\"") || b == UInt8(ascii: "(")
            || b == UInt8(ascii: "[") || b >= 0xC0
    }

    private static func isAbbreviation(_ bytes: [UInt8], dotAt dot: Int) -> Bool {
        var start = dot
        while start > 0, bytes[start - 1] != 0x20, bytes[start - 1] != 0x0A, bytes[start - 1] != UInt8(ascii: "(") {
            start -= 1
        }
        let length = dot - start
        if length == 1 { return true }  // An initial: "J. Smith".
        guard length > 0, length <= 5 else { return false }
        let word = String(decoding: bytes[start..<dot], as: UTF8.self).lowercased()
        return abbreviations.contains(word)
    }

    private static let abbreviations: Set<String> = [
        "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "fig", "no", "vol", "approx",
        "cf", "al", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "gen", "col", "lt", "sgt", "rev", "ca", "c", "viz", "ed", "eds", "pp", "p", "u.s",
    ]

    private func paragraphs(of text: String) -> [String] {
        var result: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                if !current.isEmpty { result.append(current.joined(separator: " ")) }
                current.removeAll()
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { result.append(current.joined(separator: " ")) }
        return result
    }

    /// Accumulates the passages of one document.
    private struct Builder {
        let splitter: PassageSplitter
        var heading: String?
        var chunks: [Chunk] = []
        /// The passage being gathered.
        var text = ""
        var words = 0
        /// Index of the first chunk of the current section.
        var sectionStart = 0

        init(splitter: PassageSplitter) {
            self.splitter = splitter
        }

        /// Appends `piece`: blocks are separated by a newline, sentences of one block by a space.
        mutating func append(_ piece: String, words count: Int, separator: String) {
            text += text.isEmpty ? piece : separator + piece
            words += count
        }

        mutating func add(_ block: String, preformatted: Bool) {
            let count = PassageSplitter.wordCount(block)
            guard count > 0 else { return }
            if words + count <= splitter.maxWords {
                append(block, words: count, separator: "\n")
                return
            }
            if words >= splitter.minWords { emit() }
            if words + count <= splitter.maxWords {
                append(block, words: count, separator: "\n")
                return
            }
            // Too long for one passage: cut at sentence (or line) boundaries.
            let units = preformatted ? block.split(separator: "\n").map(String.init) : PassageSplitter.sentences(block)
            var separator = "\n"
            for unit in units {
                let unitWords = PassageSplitter.wordCount(unit)
                if words + unitWords > splitter.maxWords && words > 0 { emit() }
                if unitWords > splitter.maxWords {
                    for piece in cut(unit) {
                        if words > 0 { emit() }
                        append(piece.text, words: piece.words, separator: separator)
                    }
                } else {
                    append(unit, words: unitWords, separator: separator)
                }
                separator = preformatted ? "\n" : " "
            }
        }

        /// Cuts a run-on unit into pieces of at most `maxWords` words.
        func cut(_ text: String) -> [(text: String, words: Int)] {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            var result: [(String, Int)] = []
            var index = 0
            while index < words.count {
                let end = min(words.count, index + splitter.maxWords)
                result.append((words[index..<end].joined(separator: " "), end - index))
                index = end
            }
            return result
        }

        mutating func emit() {
            guard words > 0 else { return }
            chunks.append(Chunk(heading: heading, text: text, wordCount: words))
            text = ""
            words = 0
        }

        mutating func endSection() {
            // A small tail joins the previous passage of the same section when it fits.
            if words > 0, words < splitter.minWords / 2, chunks.count > sectionStart,
                let last = chunks.last, last.wordCount + words <= splitter.maxWords
            {
                chunks[chunks.count - 1].text += "\n" + text
                chunks[chunks.count - 1].wordCount += words
                text = ""
                words = 0
            } else {
                emit()
            }
            sectionStart = chunks.count
        }
    }
}
