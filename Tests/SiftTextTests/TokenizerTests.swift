import Testing

@testable import SiftText

@Suite("Tokenizer and stop words")
struct TokenizerTests {
    @Test(
        "splits on everything but letters, digits and underscores",
        arguments: [
            ("Hello, World!", ["hello", "world"]),
            ("tcp_congestion_control=cubic", ["tcp_congestion_control", "cubic"]),
            ("O_DIRECT and sd_notify()", ["o_direct", "and", "sd_notify"]),
            ("pi is 3.14", ["pi", "is", "3", "14"]),
            ("e-mail don't", ["e", "mail", "don", "t"]),
            ("Ünïcödé straße Σοφία 東京 café", ["ünïcödé", "straße", "σοφία", "東京", "café"]),
            ("  ", []),
        ])
    func tokens(_ text: String, _ expected: [String]) {
        #expect(Tokenizer().tokens(in: text) == expected)
    }

    @Test("keeps combining marks inside the word")
    func combiningMarks() {
        #expect(Tokenizer().tokens(in: "cafe\u{301} noir") == ["cafe\u{301}", "noir"])
    }

    @Test("lists common English function words but not content words")
    func stopWords() {
        for word in ["the", "is", "what", "of", "and", "how", "s"] {
            #expect(StopWords.english.contains(word))
        }
        for word in ["capital", "australia", "python", "tcp", "photosynthesis"] {
            #expect(!StopWords.english.contains(word))
        }
    }
}
