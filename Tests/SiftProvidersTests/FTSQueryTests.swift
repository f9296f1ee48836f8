import Logging
import Testing

@testable import SiftProviders

@Suite("FTS query safety")
struct FTSQueryTests {
    @Test("ASCII words, read byte by byte, are the words read scalar by scalar")
    func asciiWords() {
        let every = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        #expect(FTSQuery.asciiWords(every) == FTSQuery.scalarWords(every))
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZq09_ -.,:()'\"\t\n\r\u{0}")
        for _ in 0..<300 {
            let text = String((0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            #expect(FTSQuery.asciiWords(text) == FTSQuery.scalarWords(text), "\(text.debugDescription)")
            #expect(FTSQuery.words(text) == FTSQuery.scalarWords(text))
        }
        #expect(FTSQuery.words("Café Crème 2nd") == ["café", "crème", "2nd"])
    }

    @Test("quotes terms and doubles embedded quotes")
    func quoting() {
        #expect(FTSQuery.quoted("tcp") == "\"tcp\"")
        #expect(FTSQuery.quoted("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(FTSQuery.quoted("***") == nil)
        #expect(FTSQuery.quoted("\"") == nil)
        #expect(FTSQuery.quoted("") == nil)
        #expect(FTSQuery.usableTerms(["TCP", "tcp", "*", "-", "Congestion"]) == ["tcp", "congestion"])
    }

    @Test("builds expressions from rare terms, pair phrases and the focus")
    func expressions() {
        #expect(
            FTSQuery.expression(
                terms: ["tcp", "congestion", "control", "work"], frequencies: [737, 179, 9952, 8631],
                focus: "tcp congestion control")
                == #""tcp" OR "congestion" OR "tcp congestion" OR "congestion control" OR "tcp congestion control""#)
        #expect(
            FTSQuery.expression(terms: ["how", "work"], frequencies: [20_000, 8631], focus: nil)
                == #"("how" AND "work") OR "how work" OR {title} : ("how" OR "work")"#)
        #expect(
            FTSQuery.expression(terms: ["the", "work"], frequencies: [60_000, 8631], focus: nil)
                == #"{title} : ("work")"#)
        #expect(FTSQuery.expression(terms: [], frequencies: [], focus: nil) == nil)
        let capital = FTSQuery.expressions(
            terms: ["capital", "australia"], frequencies: [1672, 593], focus: "capital of australia")
        #expect(capital?.strict == #"("capital" AND "australia") OR "capital australia" OR NEAR("capital" "australia", 2)"#)
        #expect(capital?.broad == #""capital" OR "australia" OR "capital australia" OR NEAR("capital" "australia", 2)"#)
        #expect(FTSQuery.expressions(terms: ["tea"], frequencies: [3], focus: nil)?.strict == nil)
    }

    /// User text full of FTS5 syntax must neither fail the query nor change its meaning.
    @Test("user text cannot inject FTS5 syntax", arguments: [
        ["\"", "tea"], ["tea*"], ["NEAR(tea", "coffee)"], ["-coffee"], ["(tea", "OR", "coffee)"], ["title:tea"],
        ["tea\"", "OR", "\"coffee"], ["^tea"], ["AND"], ["NOT", "tea"], ["{title}", ":", "tea"], ["tea\u{0}coffee"],
        ["'; DROP TABLE docs; --"], [String(repeating: "x", count: 10_000)],
    ])
    func injection(_ terms: [String]) async throws {
        let kb = try await Self.index()
        let matches = try kb.search(terms: terms, focus: terms.joined(separator: " "), limit: 10)
        // Only documents that hold one of the user's words can match ("Operators" holds "or", "and", "not").
        for match in matches {
            #expect(["Tea", "Coffee", "Operators"].contains(match.title), "\(terms) matched \(match.title)")
        }
        #expect(!matches.contains { $0.title == "Unrelated" })
        #expect(try kb.search(terms: ["tea"]).count == 1)
    }

    @Test("an operator word is searched as a word")
    func operatorWords() async throws {
        let kb = try await Self.index()
        #expect(try kb.search(terms: ["near"]).map(\.title) == ["Operators"])
        #expect(try kb.search(terms: ["or"]).map(\.title) == ["Operators"])
    }

    static func index() async throws -> KnowledgeBase {
        let directory = try TemporaryDirectory()
        try directory.write("# Tea\n\nTea is an aromatic drink made from leaves.\n", to: "docs/tea.md")
        try directory.write("# Coffee\n\nCoffee is brewed from roasted beans.\n", to: "docs/coffee.md")
        try directory.write("# Operators\n\nWords like near, or, and not are operators.\n", to: "docs/ops.md")
        try directory.write("# Unrelated\n\nSomething else entirely.\n", to: "docs/other.md")
        let indexer = KnowledgeBaseIndexer(
            stateDirectory: directory.path + "/state", sources: [.folder(directory.path + "/docs")],
            logger: Logger(label: "test"))
        _ = try await indexer.build()
        let kb = try KnowledgeBase(stateDirectory: directory.path + "/state")
        withExtendedLifetime(directory) {}
        // The open connections keep the file readable after the directory is removed.
        return kb
    }
}
