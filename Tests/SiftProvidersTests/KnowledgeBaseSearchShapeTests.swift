import SiftCore
import Testing

@testable import SiftProviders

@Suite("Knowledge-base search: passage labels and technical queries")
struct KnowledgeBaseSearchShapeTests {
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
