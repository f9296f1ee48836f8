import SiftCore
import Testing

@testable import SiftProviders

@Suite("Knowledge-base search: passage labels and technical queries")
struct KnowledgeBaseSearchShapeTests {
    @Test("a snippet is shortened the same byte by byte as Character by Character")
    func shortenPaths() {
        #expect(KnowledgeBaseDocument.shorten("one two\nthree", to: 300) == "one two three")
        #expect(KnowledgeBaseDocument.shorten("alpha beta gamma delta", to: 14) == "alpha beta…")
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab  .\n\u{0B}\u{0C}\t")
        for _ in 0..<400 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let limit = Int.random(in: 0...30, using: &generator)
            #expect(
                KnowledgeBaseDocument.shortenASCII(text, to: limit) == KnowledgeBaseDocument.shortenCharacters(text, to: limit),
                "\(text.debugDescription) to \(limit)")
        }
    }

    @Test("a FOLDOC paragraph continuing the entry before it loses its 'Headword:' label")
    func continuations() {
        let url = "kb://foldoc/MuTeX"
        // The second entry filed under the same headword keeps its own label: it is a definition.
        #expect(
            KnowledgeBase.unlabelingContinuation(
                "mutex: A mutual exclusion object.", previousStart: "MuTeX: An extension of TeX", url: url)
                == "mutex: A mutual exclusion object.")
        #expect(
            KnowledgeBase.unlabelingContinuation(
                "mutex: If multiple threads are blocked on a locked mutex ...", previousStart: "mutex: A mutual exclusion",
                url: url) == "If multiple threads are blocked on a locked mutex ...")
        // The first paragraph, and other dictionaries (WordNet senses, GCIDE senses), keep theirs.
        #expect(
            KnowledgeBase.unlabelingContinuation("entropy: A measure of disorder.", previousStart: "", url: "kb://foldoc/entropy")
                == "entropy: A measure of disorder.")
        #expect(
            KnowledgeBase.unlabelingContinuation(
                "entropy: (thermodynamics) a thermodynamic quantity", previousStart: "entropy: (communication theory)",
                url: "kb://wordnet/entropy") == "entropy: (thermodynamics) a thermodynamic quantity")
    }

    @Test("code and error logs get manuals and references before general-language dictionaries")
    func technicalFirst() {
        func match(_ url: String) -> KnowledgeBase.Match {
            KnowledgeBase.Match(url: url, title: url, collection: "", score: 1, passages: [], snippet: "")
        }
        let matches = [
            match("kb://wordnet/select"), match("kb://gcide/Select"), match("kb://foldoc/SQL"),
            match("kb://python/library/sqlite3.html"),
        ]
        #expect(
            KnowledgeBaseProvider.technicalFirst(matches, limit: 3).map(\.url)
                == ["kb://foldoc/SQL", "kb://python/library/sqlite3.html", "kb://wordnet/select"])
    }

    @Test("a page whose title names the focus offers its introduction")
    func titleNames() {
        #expect(KnowledgeBase.titleNames("what is rcu read copy update", "rcu"))
        #expect(!KnowledgeBase.titleNames("rcu concepts", "rc"))
        #expect(!KnowledgeBase.titleNames("anything", nil))
    }
}
