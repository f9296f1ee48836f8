import Testing

@testable import SiftText

@Suite("SentenceSplitter")
struct SentenceSplitterTests {
    let splitter = SentenceSplitter()

    @Test(
        "splits at sentence ends but not at abbreviations, decimals or initials",
        arguments: [
            (
                "Canberra is the capital. It was founded in 1913.",
                ["Canberra is the capital.", "It was founded in 1913."]
            ),
            ("Is it? Yes! Good.", ["Is it?", "Yes!", "Good."]),
            ("Use a fruit, e.g. an apple. Then eat it.", ["Use a fruit, e.g. an apple.", "Then eat it."]),
            ("That is, i.e. The End. Next.", ["That is, i.e. The End.", "Next."]),
            ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones.", "They talked."]),
            ("Pi is about 3.14 in value. Tau is 6.28.", ["Pi is about 3.14 in value.", "Tau is 6.28."]),
            ("J. R. R. Tolkien wrote it. He was British.", ["J. R. R. Tolkien wrote it.", "He was British."]),
            ("Apples, pears, etc. and more. Done.", ["Apples, pears, etc. and more.", "Done."]),
            (
                "See No. 5 and fig. 3 for detail. I said no. Then left.",
                ["See No. 5 and fig. 3 for detail.", "I said no.", "Then left."]
            ),
            ("He said \"Stop.\" Then he left.", ["He said \"Stop.\"", "Then he left."]),
            ("Install node.js first. Then run it.", ["Install node.js first.", "Then run it."]),
            ("It costs $5 in the U.S. and more elsewhere.", ["It costs $5 in the U.S. and more elsewhere."]),
            ("Wait... What happened?", ["Wait...", "What happened?"]),
            ("A heading\n\nA paragraph that follows", ["A heading", "A paragraph that follows"]),
            ("no terminal punctuation", ["no terminal punctuation"]),
            ("", []),
        ])
    func sentences(_ text: String, _ expected: [String]) {
        #expect(splitter.sentences(in: text) == expected)
    }

    @Test("folds white space inside sentences")
    func whitespace() {
        #expect(splitter.sentences(in: "  One\n  line.\tTwo   words. ") == ["One line.", "Two words."])
    }

    @Test("accepts custom abbreviations")
    func custom() {
        let splitter = SentenceSplitter(abbreviations: ["approx"])
        #expect(splitter.sentences(in: "It is approx. Ten metres. Done.") == ["It is approx. Ten metres.", "Done."])
        #expect(splitter.sentences(in: "Dr. Who. Done.") == ["Dr.", "Who.", "Done."])
    }

    /// A limit gives the first sentences of all of them, whatever the text: blank lines, a last sentence
    /// without its period, abbreviations, runs of terminators, nothing at all.
    @Test func aLimitGivesTheFirstSentencesOfAll() {
        let texts = [
            "Canberra is the capital. It was founded in 1913. Its lake is Burley Griffin",
            "Is it? Yes!! Good...\n\nA new block. And e.g. more. Dr. Who. J. R. R. Tolkien wrote it.",
            "", "   ", "One sentence without a stop", "。Two。Three。", "No. 5 is here. Then \"quoted.\" Next (bracket.) End.",
        ]
        for text in texts {
            let all = splitter.sentences(in: text)
            for limit in 0...(all.count + 1) {
                #expect(splitter.sentences(in: text, limit: limit) == Array(all.prefix(limit)), "\(text) limit \(limit)")
            }
        }
    }

    /// ASCII bytes read as the characters they are: every property the splitter asks, for every ASCII value.
    @Test func anASCIIByteHasItsCharactersProperties() {
        for value in UInt8(0)..<0x80 {
            let character = Character(Unicode.Scalar(value))
            #expect(value.isNewline == character.isNewline, "\(value)")
            #expect(value.isWhitespace == character.isWhitespace, "\(value)")
            #expect(value.isLowercase == character.isLowercase, "\(value)")
            #expect(value.isUppercase == character.isUppercase, "\(value)")
            #expect(value.isNumber == character.isNumber, "\(value)")
            #expect(value.isLetter == character.isLetter, "\(value)")
            #expect(value.isPunctuation == character.isPunctuation, "\(value)")
            #expect(value.isSentenceEnd == character.isSentenceEnd, "\(value)")
            #expect(value.isTerminator == character.isTerminator, "\(value)")
            #expect(value.isCloser == character.isCloser, "\(value)")
            #expect(value.isOpener == character.isOpener, "\(value)")
            #expect(value.isWordFence == character.isWordFence, "\(value)")
            #expect(value.isPeriod == character.isPeriod, "\(value)")
        }
    }

    /// The byte-wise split of ASCII text is the character-wise one, on random text made of what matters to it.
    @Test func bytesAndCharactersSplitAlike() {
        let pieces = [
            "Dr.", "e.g.", "No.", "5", "J.", "R.", "Tolkien", "it", "The", "end.", "?", "!", "...", ".", "\"", "'", ")", "(",
            "[", "]", "3.14", "node.js", "A.B.", "approx.", " ", "  ", "\n", "\n\n", "\t", "\n \n", "etc.", "U.S.", "Yes!", "x",
            "$", "+", "~", "_", "--", "#", "@", ":", ";", "Mr", "ph.d.", "jan.", "12",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...30, using: &generator))
                .map { _ in pieces.randomElement(using: &generator)! }
                .joined(separator: Bool.random(using: &generator) ? " " : "")
            for limit in [1, 2, 3, Int.max] {
                #expect(
                    splitter.split(Array(text.utf8), limit: limit) == splitter.split(Array(text), limit: limit),
                    "\(text.debugDescription) limit \(limit)")
            }
        }
    }

    /// Whitespace folding, byte-wise for ASCII, against the character-wise way on random ASCII text.
    @Test func asciiWhitespaceFoldsAsCharactersDo() {
        let alphabet = Array("ab. \t\n\u{0B}\u{0C}\r\r\nZ9é")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(
                TextNormalization.foldWhitespace(text) == TextNormalization.foldWhitespaceByCharacter(text), "\(text.debugDescription)")
        }
    }

    /// Splitting on one character, byte-wise for ASCII, gives the standard split's pieces.
    @Test func asciiSplitIsTheStandardSplit() {
        let alphabet = Array("ab  \n\n\r\r\né.")
        let ascii = Array("ab  \n\n.")
        var generator = SystemRandomNumberGenerator()
        for round in 0..<1000 {
            // Half the texts plain ASCII (the byte-wise path), half drawn with carriage returns and accents.
            let letters = round.isMultiple(of: 2) ? ascii : alphabet
            let text = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in letters.randomElement(using: &generator)! })
            for separator: Character in [" ", "\n", "\r\n", "."] {
                let pieces = TextNormalization.split(text, on: separator)
                #expect(pieces == text.split(separator: separator), "\(text.debugDescription) on \(separator.debugDescription)")
                #expect(pieces.map { text.utf8.distance(from: text.startIndex, to: $0.startIndex) } == text.split(separator: separator).map { text.utf8.distance(from: text.startIndex, to: $0.startIndex) })
                let tail = text.dropFirst()
                #expect(TextNormalization.split(tail, on: separator) == tail.split(separator: separator))
            }
        }
    }

    /// Lines and prose words, byte-wise for ASCII, against the character-wise way on random ASCII text.
    @Test func asciiLinesAndProseReadAsCharactersDo() {
        func referenceLines(_ text: String) -> [String] {
            text.split(whereSeparator: \.isNewline).map { String(TextNormalization.trim($0)) }.filter { !$0.isEmpty }
        }
        func referenceProse(_ sentence: String) -> Bool {
            SentenceForm.withoutParentheticals(sentence).split(separator: " ").filter { word in
                !word.contains("://") && !word.hasPrefix("www.") && word.contains(where: \.isLetter)
            }.count >= 3
        }
        let pieces = ["a", "word", "www.x", "http://a", "a:/b", ":// ", "(AB)", "(note)", "9", "_", " ", "  ", "\n", "\t", "\u{0B}", "é", "\r\n", "x.y", "@"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...14, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined(separator: Bool.random(using: &generator) ? " " : "")
            #expect(TextNormalization.lines(text) == referenceLines(text), "\(text.debugDescription)")
            #expect(SentenceForm.isProse(text) == referenceProse(text), "\(text.debugDescription)")
        }
    }
}
