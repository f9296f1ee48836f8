import Testing

@testable import SiftText

@Suite("LinkFilter")
struct LinkFilterTests {
    static let sources = ["https://en.wikipedia.org/wiki/Canberra", "kb://wordnet/Canberra"]

    static func disarm(_ text: String) -> String { LinkFilter.disarm(text, sourceURLs: sources) }

    @Test("links to the answer's sources pass as written, whatever the spelling of the same URL")
    func sourcesPass() {
        for text in [
            "See https://en.wikipedia.org/wiki/Canberra.",
            "See [the article](https://en.wikipedia.org/wiki/Canberra) [1].",
            "See <http://www.en.wikipedia.org/wiki/Canberra/>.",
            "See [the entry](kb://wordnet/Canberra).",
        ] {
            #expect(Self.disarm(text) == text)
        }
    }

    @Test("a Markdown link or image elsewhere loses its target; its text stays")
    func markdownLinks() {
        #expect(Self.disarm("Read [the official answer](https://evil.example/x?a=(1)) now.") == "Read [the official answer] now.")
        #expect(Self.disarm("![pixel](http://evil.example/p.png)") == "![pixel]")
        #expect(Self.disarm("[click](javascript:alert(1))") == "[click]")
        #expect(Self.disarm("[a](<https://evil.example/a b>)").hasPrefix("[a]"))
    }

    @Test("a bare address elsewhere is shown without scheme, www. or angle brackets, and trailing punctuation stays text")
    func bareAddresses() {
        #expect(Self.disarm("Go to https://evil.example/claim, today.") == "Go to evil.example/claim, today.")
        #expect(Self.disarm("Go to www.evil.example.") == "Go to evil.example.")
        #expect(Self.disarm("(see http://evil.example/a_(b))") == "(see evil.example/a_(b))")
        #expect(Self.disarm("Mail <https://evil.example/>!") == "Mail evil.example/!")
        #expect(Self.disarm("FTP:ftp://files.evil.example/x") == "FTP:files.evil.example/x")
    }

    @Test("text without links, and code, pass unchanged")
    func untouched() {
        for text in [
            "Canberra is the capital of Australia [1]. Its population is 460,000 (2021).",
            "Use `curl https://evil.example/x` in a shell.",
            "```\nwget http://evil.example/file\n```",
            "The www group and the e.g. abbreviation, ratio 3:2, and a path like /usr/bin//x.",
            "",
        ] {
            #expect(Self.disarm(text) == text)
        }
    }

    @Test("the output does not depend on how the answer is split, and what was disarmed is reported")
    func splits() {
        let text = "The [official](https://evil.example/a) page at www.evil.example/b says `http://c.example` "
            + "and https://en.wikipedia.org/wiki/Canberra [1]; also <https://evil.example/d>."
        let whole = Self.disarm(text)
        #expect(whole == "The [official] page at evil.example/b says `http://c.example` and https://en.wikipedia.org/wiki/Canberra [1]; also evil.example/d.")
        let scalars = Array(text.unicodeScalars)
        for size in [1, 2, 3, 5, 8, 13] {
            var filter = LinkFilter(sourceURLs: Self.sources)
            var output = ""
            var index = 0
            while index < scalars.count {
                let end = min(index + size, scalars.count)
                output += filter.feed(String(String.UnicodeScalarView(scalars[index..<end])))
                index = end
            }
            output += filter.finish()
            #expect(output == whole, "split every \(size)")
            #expect(filter.disarmed == ["https://evil.example/a", "www.evil.example/b", "https://evil.example/d"])
        }
    }

    @Test("random texts of link fragments: any split gives the whole text's output, and nothing is lost but disarmed targets")
    func randomSplits() {
        let pieces = [
            "http", "s", "://", "www", ".", "](", ")", "(", "[", "]", "`", "``", " ", "\n", "<", ">", "evil.example", "/",
            "a", "Canberra", "ftp", ":", "https://en.wikipedia.org/wiki/Canberra", "!", "ww",
        ]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(seed >> 33)
        }
        for _ in 0..<300 {
            let text = (0..<(1 + next() % 40)).map { _ in pieces[next() % pieces.count] }.joined()
            var whole = LinkFilter(sourceURLs: Self.sources)
            let expected = whole.feed(text) + whole.finish()
            let scalars = Array(text.unicodeScalars)
            var split = LinkFilter(sourceURLs: Self.sources)
            var output = ""
            var index = 0
            while index < scalars.count {
                let end = min(scalars.count, index + 1 + next() % 6)
                output += split.feed(String(String.UnicodeScalarView(scalars[index..<end])))
                index = end
            }
            output += split.finish()
            #expect(output == expected, "\(text)")
            // Only link targets and schemes go: the words around them stay.
            #expect(expected.unicodeScalars.count <= scalars.count)
            if whole.disarmed.isEmpty { #expect(expected == text) }
        }
    }
}
