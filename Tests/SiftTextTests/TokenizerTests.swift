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

    /// The tokens as first written (a scalar view per token, lowercased as a whole), kept to check the faster one against.
    static func reference(_ text: String) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if Tokenizer.isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                result.append(String(current).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { result.append(String(current).lowercased()) }
        return result
    }

    @Test func theByteWiseTokensAreTheScalarWiseOnes() {
        let samples = [
            "Canberra is the capital of AUSTRALIA.", "tcp_congestion_control O_DIRECT x86-64 3.14 don't",
            "Ünïcödé WÖRDS mixed with ASCII: ÉCOLE École éCOLE", "Σίσυφος ΣΊΣΥΦΟΣ straße STRASSE İstanbul",
            "日本語のテキスト and 中文 mixed", "e\u{301}te\u{301} cafe\u{301} CAFE\u{301}", "emoji 👍🏽 and ZWJ 👨‍👩‍👧 here",
            "", "   ", "___", "ǅungla ǲ titlecase", "Ⅻ roman ½ fractions ² superscripts",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZ_09 .,-Éé ΣσßİıǅⅫ½²日\u{301}👍\t\n")
        var texts = samples
        for _ in 0..<300 {
            texts.append(String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        let tokenizer = Tokenizer()
        for text in texts {
            #expect(tokenizer.tokens(in: text) == Self.reference(text), "\(text)")
            #expect(tokenizer.tokens(in: text[...]) == Self.reference(text), "\(text) as a substring")
        }
    }
}
