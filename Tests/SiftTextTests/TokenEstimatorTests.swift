import Testing

@testable import SiftText

@Suite("TokenEstimator")
struct TokenEstimatorTests {
    /// A text and the number of tokens SmolLM2-135M-Instruct's tokenizer makes of it
    /// (llama-server `/tokenize` on the GGUF from scripts/llm-setup.sh, no special tokens).
    struct Measured: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var smolLM2: Int

        init(_ name: String, _ text: String, smolLM2: Int) {
            self.name = name
            self.text = text
            self.smolLM2 = smolLM2
        }

        var testDescription: String { name }
    }

    static let measured = [
        Measured(
            "prose",
            "Canberra is the capital city of Australia. Founded following the federation of the colonies of Australia "
                + "as the seat of government for the new nation, it is Australia's largest inland city and the "
                + "eighth-largest city overall. The site was chosen as a compromise between the two largest cities, "
                + "Sydney and Melbourne, whose rivalry had delayed the decision for years.",
            smolLM2: 69),
        Measured(
            "science",
            "Photosynthesis is a biological process used by many cellular organisms to convert light energy into "
                + "chemical energy, which is stored in organic compounds that can later be metabolized through "
                + "cellular respiration to fuel the organism's activities.",
            smolLM2: 41),
        Measured(
            "dictionary",
            "capital n 1: assets available for use in the production of further assets [syn: {working capital}] "
                + "2: a seat of government 3: one of the large alphabetic characters used as the first letter in "
                + "writing or printing proper names [syn: {capital letter}, {uppercase}]",
            smolLM2: 61),
        Measured(
            "swift",
            """
            func largest(in range: ClosedRange<Int>, where test: (Int) -> Bool) -> Int? {
                guard test(range.lowerBound) else { return nil }
                var low = range.lowerBound, high = range.upperBound
                while low < high {
                    let middle = low + (high - low + 1) / 2
                    if test(middle) { low = middle } else { high = middle - 1 }
                }
                return low
            }
            """,
            smolLM2: 105),
        Measured(
            "shell",
            "$ curl -sS 'http://127.0.0.1:8080/v1/answer/stream?q=tcp+congestion' | grep -E '^(event|data):' "
                + ">> /tmp/sift.log 2>&1",
            smolLM2: 63),
        Measured(
            "numbers", "In 2021 the population was 456,692, up 12.4% from 2016 (403,468); the median age was 35 years.",
            smolLM2: 49),
        Measured(
            "chinese", "堪培拉是澳大利亚的首都，位于澳大利亚首都领地北部。这座城市是为了解决悉尼和墨尔本之间的首都之争而规划建设的。",
            smolLM2: 103),
        Measured("japanese", "キャンベラはオーストラリアの首都であり、オーストラリア首都特別地域に位置する。", smolLM2: 71),
        Measured("korean", "캔버라는 오스트레일리아의 수도이며, 오스트레일리아 수도 준주에 위치한다.", smolLM2: 91),
        Measured(
            "russian", "Канберра — столица Австралии, расположенная на территории Австралийской столичной территории.",
            smolLM2: 63),
        Measured(
            "capitals",
            "WARNING: DO NOT OPERATE HEAVY MACHINERY. NASA, UNESCO AND THE EUROPEAN SPACE AGENCY SIGNED THE AGREEMENT.",
            smolLM2: 37),
        Measured("spaces", "word  \n\n    indented\tand a trailing space ", smolLM2: 11),
        Measured("trailing space", "word ", smolLM2: 2),
        Measured("space before a line break", "a \nb", smolLM2: 4),
        Measured("list", "x = [1, 2]", smolLM2: 8),
        Measured("version", "v2.0.1", smolLM2: 6),
    ]

    @Test("never counts fewer tokens than SmolLM2's tokenizer, nor more than 75 % more", arguments: measured)
    func againstTheRealTokenizer(_ sample: Measured) {
        let estimate = TokenEstimator().count(sample.text)
        #expect(estimate >= sample.smolLM2)
        #expect(Double(estimate) <= Double(sample.smolLM2) * 1.75)
    }

    @Test("English prose costs more than the usual 1.3 tokens per word")
    func tokensPerWord() throws {
        let prose = try #require(Self.measured.first { $0.name == "prose" })
        let words = prose.text.split(separator: " ").count
        #expect(Double(TokenEstimator().count(prose.text)) >= 1.3 * Double(words))
    }

    @Test(
        "counts the rules' units",
        arguments: [
            ("", 0), (" ", 1), ("the", 1), (" the", 1), ("capital", 2), ("camelCase", 3), ("BROWN", 3),
            ("2024", 4), (" 7", 2), ("----", 2), ("a.b", 3), ("é", 2), ("ét", 3), ("жук", 4), ("東京", 6), ("🎉", 4),
        ])
    func units(_ text: String, _ expected: Int) {
        #expect(TokenEstimator().count(text) == expected)
    }

    @Test("a beginning never counts more than the whole")
    func prefixesCountLess() {
        let estimator = TokenEstimator()
        for sample in Self.measured {
            let scalars = Array(sample.text.unicodeScalars)
            var previous = 0
            for end in 0...scalars.count {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[..<end])
                let count = estimator.count(String(view))
                #expect(count >= previous)
                previous = count
            }
        }
    }

    @Test("prefix keeps a text that fits")
    func prefixFits() {
        let text = "Canberra is the capital of Australia."
        let estimator = TokenEstimator()
        #expect(estimator.prefix(text, maxTokens: estimator.count(text)) == text)
        #expect(estimator.prefix(text, maxTokens: 1_000) == text)
        #expect(estimator.prefix(text, maxTokens: 0) == "")
        #expect(estimator.prefix("", maxTokens: 5) == "")
    }

    @Test("prefix cuts at a word boundary and adds an ellipsis")
    func prefixCuts() {
        let estimator = TokenEstimator()
        let words = "one two six ten red big cat dog"
        #expect(estimator.count(words) == 8 && estimator.count(TokenEstimator.ellipsis) == 3)
        #expect(estimator.prefix(words, maxTokens: 6) == "one two six…")
        #expect(estimator.prefix(words, maxTokens: 4) == "one…")
        #expect(estimator.prefix(words, maxTokens: 3) == "")
        #expect(estimator.prefix("one two six, ten red big cat", maxTokens: 7) == "one two six,…")
        #expect(estimator.prefix("堪培拉是澳大利亚的首都", maxTokens: 10) == "堪培…")
        #expect(estimator.prefix("Supercalifragilisticexpialidocious is long", maxTokens: 6) == "Supercalifra…")
        let accented = estimator.prefix(String(repeating: "e\u{301}", count: 40), maxTokens: 10)
        #expect(accented.hasSuffix(TokenEstimator.ellipsis) && accented.count > 1)
        #expect(accented.dropLast().allSatisfy { $0 == "e\u{301}" })
    }

    @Test("prefix always fits, and grows with the allowance", arguments: measured)
    func prefixAlwaysFits(_ sample: Measured) {
        let estimator = TokenEstimator()
        var previous = ""
        for maxTokens in 0...(estimator.count(sample.text) + 2) {
            let cut = estimator.prefix(sample.text, maxTokens: maxTokens)
            #expect(estimator.count(cut) <= maxTokens)
            let kept = cut.hasSuffix(TokenEstimator.ellipsis) ? String(cut.dropLast()) : cut
            #expect(sample.text.hasPrefix(kept))
            if cut != sample.text {
                #expect(kept.unicodeScalars.last.map { !$0.properties.isWhitespace } ?? true)
            }
            #expect(kept.unicodeScalars.count >= previous.unicodeScalars.count)
            previous = kept
        }
        #expect(previous == sample.text)
    }
}
