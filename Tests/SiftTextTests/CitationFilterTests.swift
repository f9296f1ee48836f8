import Testing

@testable import SiftText

@Suite("CitationFilter")
struct CitationFilterTests {
    /// Feeds `text` whole and finishes.
    private static func filtered(_ text: String, valid: Set<Int>) -> (text: String, filter: CitationFilter) {
        var filter = CitationFilter(validNumbers: valid)
        let out = filter.feed(text) + filter.finish()
        return (out, filter)
    }

    private static func occurrences(of needle: String, in text: String) -> Int {
        let haystack = Array(text.utf8)
        let pattern = Array(needle.utf8)
        guard haystack.count >= pattern.count else { return 0 }
        return (0...(haystack.count - pattern.count)).count { haystack[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    @Test(
        "keeps valid citations, removes invalid ones with the space before them",
        arguments: [
            ("Paris is the capital [1].", "Paris is the capital [1]."),
            ("Paris is the capital [9].", "Paris is the capital."),
            ("Paris [9] is the capital.", "Paris is the capital."),
            ("Paris[9] is the capital.", "Paris is the capital."),
            ("Paris [9]is big", "Paris is big"),
            ("[9] Paris is big.", "Paris is big."),
            ("One.\n[9] Two.", "One.\nTwo."),
            ("Big [9]\nSmall [1]", "Big\nSmall [1]"),
            ("Big [9]", "Big"),
            ("a [9] [8] b", "a b"),
            ("It is [1][9] true.", "It is [1] true."),
            ("It is [9][1] true.", "It is [1] true."),
            ("It is [9][8], true.", "It is, true."),
            ("It is [12].", "It is [12]."),
            ("Sizes differ [3][1].", "Sizes differ [3][1]."),
        ])
    func removesInvalid(_ input: String, _ expected: String) {
        #expect(Self.filtered(input, valid: [1, 2, 3, 12]).text == expected)
    }

    @Test(
        "normalizes groups, ranges and footnote forms to [1][3]",
        arguments: [
            ("A [1, 3].", "A [1][3]."),
            ("A [1,3].", "A [1][3]."),
            ("A [1; 3].", "A [1][3]."),
            ("A [1,9].", "A [1]."),
            ("A [1, 1].", "A [1]."),
            ("A [1-3].", "A [1][2][3]."),
            ("A [1–3].", "A [1][2][3]."),
            ("A [2-6].", "A [2][3]."),
            ("A [1-20].", "A [1]."),
            ("A [3-1].", "A [3][1]."),
            ("A [^2].", "A [2]."),
            ("A 【2】.", "A [2]."),
            ("A 【9】.", "A."),
            ("A [ 2 ].", "A [2]."),
        ])
    func normalizes(_ input: String, _ expected: String) {
        #expect(Self.filtered(input, valid: [1, 2, 3, 12]).text == expected)
    }

    @Test(
        "leaves brackets that are not citations alone",
        arguments: [
            "See [a] and [note].",
            "Use arr[0] or [0].",
            "In [2024] and [1000] it rained.",
            "Zero-padded [01] stays.",
            "Not a list [1 2] or [1,] or [,] or [] or [-].",
            "A link [text](https://example.org) and [7](https://example.org/7).",
            "Too long [1, 2, 3, 4, 5, 6, 7, 8] to be held.",
            "Inline `arr[7]` code.",
            "Fenced:\n```\nx = a[9] + b[8]\n```\nafter",
            "Double ``a`[7]`` span.",
            "Unclosed [1, 2",
            "Unclosed at the end [",
            "Footnote caret elsewhere [1^]",
        ])
    func passesNonCitations(_ input: String) {
        let (text, filter) = Self.filtered(input, valid: [1, 2])
        #expect(text == input)
        #expect(filter.removed.isEmpty)
    }

    @Test("reports the invalid numbers in order without repeats, and the valid ones kept")
    func reports() {
        let (text, filter) = Self.filtered("A [9]. B [4][1]. C [9, 2]. D [1-3]. E [7](x)", valid: [1, 2])
        #expect(text == "A. B [1]. C [2]. D [1][2]. E [7](x)")
        #expect(filter.removed == [9, 4, 3])
        #expect(filter.cited == [1, 2])
    }

    @Test("code spans end at a matching run of backticks")
    func codeSpans() {
        let input = "Run `ls [9]` then [9] and ```\n[9]\n``` [9]."
        #expect(Self.filtered(input, valid: [1]).text == "Run `ls [9]` then and ```\n[9]\n```.")
    }

    @Test("holds a possible citation until it is decided, and no more")
    func holdsBack() {
        var filter = CitationFilter(validNumbers: [1, 3])
        #expect(filter.feed("Paris is ") == "Paris is")
        #expect(filter.feed("the capital ") == " the capital")
        #expect(filter.feed("[") == "")
        #expect(filter.feed("1") == "")
        #expect(filter.feed("]") == "")
        #expect(filter.feed("[") == " [1]")
        #expect(filter.feed("3]") == "")
        #expect(filter.feed(". Next") == "[3]. Next")
        #expect(filter.feed(" [") == "")
        #expect(filter.feed("x") == " [x")
        #expect(filter.finish() == "")
    }

    @Test("releases a bracket as text once it is too long to be a citation")
    func boundedHold() {
        var filter = CitationFilter(validNumbers: [1])
        let input = "Numbers [" + String(repeating: "1,", count: 20)
        let out = filter.feed(input)
        #expect(input.hasPrefix(out))
        #expect(input.unicodeScalars.count - out.unicodeScalars.count <= CitationFilter.maxHeldScalars + 1)
        #expect(out == input)
        #expect(filter.finish() == "")
    }

    @Test(
        "any split of the answer gives the same output as feeding it whole",
        arguments: [
            "Canberra is the capital of Australia [1]. It was chosen in 1908 [2][9], as a compromise [1, 3].",
            "[9] Starts with a bad one; [12] is fine, [1-3] expands and [4-5] goes. arr[0] stays, `x[9]` too.",
            "Links [a](b) and [1](c), footnotes [^2], 【3】, spaces [ 1 ,2 ] and [1,] end [",
            "Lines [9]\n[9] start\n```\ncode [9]\n```\n  [2]  [7]  end [1]",
            "Unicode: 東京は首都です [1]。 Ça va [9] ? [2]…",
        ])
    func splitInvariance(_ input: String) {
        let (whole, reference) = Self.filtered(input, valid: [1, 2, 3, 12])
        var random = SplitMix(seed: 0x51F7)
        let scalars = Array(input.unicodeScalars)
        for _ in 0..<200 {
            var filter = CitationFilter(validNumbers: [1, 2, 3, 12])
            var out = ""
            var start = 0
            while start < scalars.count {
                let length = 1 + Int(random.next() % 6)
                let end = min(scalars.count, start + length)
                var delta = String.UnicodeScalarView()
                delta.append(contentsOf: scalars[start..<end])
                out += filter.feed(String(delta))
                start = end
            }
            out += filter.finish()
            #expect(out == whole)
            #expect(filter.removed == reference.removed)
            #expect(filter.cited == reference.cited)
        }
    }

    @Test("takes thousands of small deltas")
    func manyDeltas() {
        var filter = CitationFilter(validNumbers: [1, 2])
        var out = ""
        let words = ["Sift ", "answers ", "[1]", " from ", "[7] ", "sources", "[2]. "]
        for index in 0..<5_000 {
            out += filter.feed(words[index % words.count])
        }
        out += filter.finish()
        #expect(!out.contains("[7]"))
        #expect(Self.occurrences(of: "[1]", in: out) == 714)
        #expect(filter.removed == [7])
    }
}
