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
}
