import Testing

@testable import SiftText

@Suite("DictionaryEntry")
struct DictionaryEntryTests {
    @Test("Markup is dropped the same byte by byte as Character by Character")
    func markupPaths() {
        // What the markup rules keep: nested etymologies go, a stray "]" stays, pronunciations go (an
        // unclosed one to the end), braces go but not their contents.
        let cases = [
            ("fire \\fir\\ [AS. f[=y]r] {n.} heat", "fire   n. heat"),
            ("a] b [c [d] e] f", "a] b  f"),
            ("x \\open to the end", "x "),
            ("{{braces}} kept", "braces kept"),
            ("", ""),
        ]
        for (text, kept) in cases {
            #expect(String(DictionaryEntry.outsideMarkup(text, { $0 })) == kept)
            #expect(String(decoding: DictionaryEntry.outsideMarkup(text.utf8, { $0.asciiValue! }), as: UTF8.self) == kept)
        }
        #expect(DictionaryEntry.clean("caf\u{E9} [Fr.] au lait") == DictionaryEntry.clean("caf\u{E9} au lait"))
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab []{}\\<>.")
        for _ in 0..<400 {
            let text = String((0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let bytes = String(decoding: DictionaryEntry.outsideMarkup(text.utf8, { $0.asciiValue! }), as: UTF8.self)
            #expect(bytes == String(DictionaryEntry.outsideMarkup(text, { $0 })), "\(text.debugDescription)")
        }
    }

    @Test(
        "turns dictd entries into readable sentences",
        arguments: [
            (
                "Canberra", "Canberra: the capital of Australia; located in southeastern Australia",
                "Canberra is the capital of Australia; located in southeastern Australia"
            ),
            (
                "photosynthesis",
                "photosynthesis: synthesis of compounds with the aid of radiant energy (especially in plants)",
                "Photosynthesis is the synthesis of compounds with the aid of radiant energy (especially in plants)"
            ),
            (
                "bank",
                "bank: n 1: a financial institution that accepts deposits; \"he cashed a check at the bank\" [syn: {depository financial institution}, {bank}] 2: sloping land (especially the slope beside a body of water)",
                "Bank is a financial institution that accepts deposits"
            ),
            (
                "run", "run: v 1: move fast by using one's feet; \"Don't run--you'll be out of breath\"",
                "Run means to move fast by using one's feet"
            ),
            (
                "solar", "solar: adj 1: relating to or derived from the sun",
                "Solar means relating to or derived from the sun"
            ),
            (
                "Lisp", "Lisp: <language> A family of languages based on lambda calculus. (1996-05-27)",
                "Lisp is a family of languages based on lambda calculus"
            ),
            (
                "Canberra", "Canberra: The capital city of Australia. Population (2000) = 307,700.",
                "Canberra is the capital city of Australia"
            ),
            (
                "Transmission Control Protocol",
                "Transmission Control Protocol: (TCP) The most common transport layer protocol used on Ethernet and the Internet.",
                "Transmission Control Protocol is the most common transport layer protocol used on Ethernet and the Internet"
            ),
            (
                "run", "run: move fast by using one's feet, with one foot off the ground at any given time",
                "Run means to move fast by using one's feet, with one foot off the ground at any given time"
            ),
            (
                "Edgar Allan Poe", "Edgar Allan Poe: United States writer and poet (1809-1849)",
                "Edgar Allan Poe is a United States writer and poet (1809-1849)"
            ),
            ("Quercus", "Quercus: genus of deciduous trees", "Quercus is a genus of deciduous trees"),
            (
                "Jaguar",
                "Jaguar: large spotted feline of tropical America similar to the leopard [syn: {jaguar}, {panther}]",
                "Jaguar is a large spotted feline of tropical America similar to the leopard"
            ),
        ])
    func sentence(_ title: String, _ text: String, _ expected: String) throws {
        let entry = try #require(DictionaryEntry(text: text, title: title))
        #expect(entry.sentence == expected)
    }

    @Test("keeps the sentences after the first for the synthesizer")
    func moreSentences() throws {
        let entry = try #require(
            DictionaryEntry(
                text: "Canberra: The capital city of Australia. Population (2000) = 307,700.", title: "Canberra"))
        #expect(entry.moreSentences == ["Population (2000) = 307,700."])
    }

    @Test("picks the sense that matches the query terms")
    func senseChoice() throws {
        let text = "bank: n 1: a financial institution that accepts deposits 2: sloping land beside a body of water"
        let entry = try #require(DictionaryEntry(text: text, title: "bank", terms: ["bank", "river", "water"]))
        #expect(entry.sentence == "Bank is sloping land beside a body of water")
    }

    @Test(
        "only accepts text that starts with the title and a colon",
        arguments: [
            ("Canberra", "Canberra is the capital of Australia."), ("Note", "Error: something failed"),
            ("", "Canberra: the capital"),
        ])
    func notAnEntry(_ title: String, _ text: String) {
        #expect(DictionaryEntry(text: text, title: title) == nil)
    }
}
