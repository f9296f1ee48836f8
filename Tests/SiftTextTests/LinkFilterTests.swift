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

    @Test("text without links passes unchanged")
    func untouched() {
        for text in [
            "Canberra is the capital of Australia [1]. Its population is 460,000 (2021).",
            "The www group and the e.g. abbreviation, ratio 3:2, and a path like /usr/bin//x.",
            "See [the note]: below, and [1]: it.",
            "",
        ] {
            #expect(Self.disarm(text) == text)
        }
    }

    @Test("code is judged too: a stray backtick cannot switch the filter off")
    func code() {
        #expect(Self.disarm("Use `curl https://evil.example/x` in a shell.") == "Use `curl evil.example/x` in a shell.")
        #expect(Self.disarm("costs 5` each. See [here](https://evil.example/x)") == "costs 5` each. See [here]")
    }

    @Test("what GitHub's Markdown links after punctuation, after a space in a target, or in a reference definition")
    func renderersEdges() {
        #expect(Self.disarm("_https://evil.example_ and -www.evil.example") == "_evil.example_ and -evil.example")
        #expect(Self.disarm("[x]( //evil.example/p)") == "[x]( )")
        #expect(Self.disarm("![a][1]\n\n[1]: //evil.example/p?d=1") == "![a][1]\n\n[1]: ")
        #expect(Self.disarm("[1]: https://en.wikipedia.org/wiki/Canberra") == "[1]: https://en.wikipedia.org/wiki/Canberra")
        #expect(Self.disarm("abchttps://evil.example") == "abchttps://evil.example", "not a link to GitHub's Markdown")
    }

    @Test("the output does not depend on how the answer is split, and what was disarmed is reported")
    func splits() {
        let text = "The [official](https://evil.example/a) page at www.evil.example/b says `http://c.example` "
            + "and https://en.wikipedia.org/wiki/Canberra [1]; also <https://evil.example/d>."
        let whole = Self.disarm(text)
        #expect(whole == "The [official] page at evil.example/b says `c.example` and https://en.wikipedia.org/wiki/Canberra [1]; also evil.example/d.")
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
            #expect(filter.disarmed == ["https://evil.example/a", "www.evil.example/b", "http://c.example", "https://evil.example/d"])
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
