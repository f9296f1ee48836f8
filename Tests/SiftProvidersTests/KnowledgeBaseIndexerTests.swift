import Logging
import SiftCore
import Synchronization
import Testing

@testable import SiftProviders

@Suite("knowledge-base index")
struct KnowledgeBaseIndexerTests {
    /// A folder of notes in every supported format.
    static func notes(in directory: TemporaryDirectory) throws {
        try directory.write(
            """
            ---
            tags: [notes]
            ---
            # Sourdough starter

            A **sourdough** starter is a culture of wild yeast and lactic acid bacteria kept in
            flour and water. Feed it every day.

            ## Feeding

            - Discard half of the starter.
            - Add equal weights of flour and water.

            ```
            ratio = 1:1:1
            ```
            """, to: "notes/baking/sourdough.md")
        try directory.write(
            """
            <html><head><title>Espresso | My site</title></head><body>
            <nav>Home | About</nav>
            <article><h1>Espresso extraction</h1>
            <p>Espresso is brewed by forcing hot water through finely ground coffee at nine bars.</p></article>
            <footer>Copyright</footer></body></html>
            """, to: "notes/espresso.html")
        try directory.write(
            "Kombucha is a fermented tea drink.\n\nIt is made with a SCOBY, a symbiotic culture.\n",
            to: "notes/kombucha.txt")
        try directory.write("ignored binary", to: "notes/image.png")
        try directory.write("hidden", to: "notes/.hidden/secret.md")
    }

    func indexer(_ directory: TemporaryDirectory, sources: [KnowledgeBaseSource]) -> KnowledgeBaseIndexer {
        KnowledgeBaseIndexer(stateDirectory: directory.path + "/state", sources: sources, logger: Logger(label: "test"))
    }

    @Test("indexes Markdown, HTML and text folders; titles come from the first heading or the file name")
    func folderImport() async throws {
        let directory = try TemporaryDirectory()
        try Self.notes(in: directory)
        let report = try await indexer(directory, sources: [.folder(directory.path + "/notes/")]).build()
        #expect(report.rebuilt)
        #expect(report.sources.map(\.status) == [.indexed])
        #expect(report.sources.first?.collection == "notes")
        #expect(report.documents == 3)

        let kb = try KnowledgeBase(stateDirectory: directory.path + "/state")
        #expect(kb.isOpen)
        #expect(kb.documentCount == 3)
        #expect(kb.statistics.collections.map(\.name) == ["notes"])

        let sourdough = try kb.search(terms: ["sourdough"], limit: 5)
        #expect(sourdough.first?.title == "Sourdough starter")
        #expect(sourdough.first?.url == "kb://local/notes/baking/sourdough.md")
        #expect(sourdough.first?.passages.first?.contains("culture of wild yeast") == true)
        #expect(sourdough.first?.passages.contains { $0.contains("**") } == false)

        let feeding = try kb.search(terms: ["discard", "flour"], limit: 5)
        #expect(feeding.first?.passages.first?.contains("Discard half of the starter.") == true)

        let espresso = try kb.search(terms: ["espresso"], limit: 5)
        #expect(espresso.map(\.title) == ["Espresso extraction"])
        #expect(espresso.first?.passages.joined().contains("Home | About") == false)

        let kombucha = try kb.search(terms: ["scoby"], limit: 5)
        #expect(kombucha.map(\.title) == ["kombucha"])
        #expect(try kb.search(terms: ["secret"], limit: 5).isEmpty)
        kb.close()
        #expect(!kb.isOpen)
        #expect(throws: KnowledgeBaseError.self) { try kb.search(terms: ["espresso"]) }
    }

    @Test("rebuilds only when a source changes, and reports progress")
    func rebuildDetection() async throws {
        let directory = try TemporaryDirectory()
        try Self.notes(in: directory)
        let indexer = indexer(directory, sources: [.folder(directory.path + "/notes")])
        #expect(await indexer.rebuildReason() == "there is no index yet")

        let events = Mutex<[KnowledgeBaseBuildProgress]>([])
        let first = try await indexer.build { progress in events.withLock { $0.append(progress) } }
        #expect(first.rebuilt)
        let phases = events.withLock { $0.map(\.phase) }
        #expect(phases.first == .scanning)
        #expect(phases.last == .finished)
        #expect(phases.contains(.optimizing))
        #expect(events.withLock { $0.last?.fraction } == 1)
        #expect(events.withLock { $0.last?.overallDocuments } == 3)

        #expect(await indexer.rebuildReason() == nil)
        let second = try await indexer.build()
        #expect(!second.rebuilt)
        #expect(second.reason == "the index is up to date with its sources")
        #expect(second.documents == 3)
        #expect(second.sources.map(\.status) == [.indexed])

        try directory.write("# Cold brew\n\nCold brew steeps coffee in cold water for hours.\n", to: "notes/cold-brew.md")
        #expect(await indexer.rebuildReason()?.hasPrefix("sources changed: notes") == true)
        let third = try await indexer.build()
        #expect(third.rebuilt)
        #expect(third.documents == 4)
        let kb = try KnowledgeBase(stateDirectory: directory.path + "/state")
        #expect(try kb.search(terms: ["cold", "brew"]).first?.title == "Cold brew")

        let forced = try await indexer.build(force: true)
        #expect(forced.rebuilt)
        #expect(forced.reason == "a rebuild was asked for")
        // The rename left no temporary files behind.
        #expect(FileSystem.list(directory.path + "/state") == ["kb.sqlite"])
    }

    @Test("skips and reports missing sources without failing")
    func missingSources() async throws {
        let directory = try TemporaryDirectory()
        try Self.notes(in: directory)
        let sources: [KnowledgeBaseSource] = [
            .wordNet(directory: directory.path + "/no-dictd"), .wikipedia(file: directory.path + "/none.json"),
            .linuxKernelDocs(root: directory.path + "/no-html"), .folder(directory.path + "/notes"),
        ]
        let report = try await indexer(directory, sources: sources).build()
        #expect(report.sources.map(\.status) == [.missing, .missing, .missing, .indexed])
        #expect(report.sources[0].message?.contains("wn.index is missing") == true)
        #expect(report.documents == 3)
    }

    @Test("reports a source that cannot be read as failed")
    func failedSource() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("{ not json", to: "wiki.json")
        let report = try await indexer(directory, sources: [.wikipedia(file: directory.path + "/wiki.json")]).build()
        #expect(report.sources.map(\.status) == [.failed])
        #expect(report.sources[0].message?.contains("invalid JSON") == true)
        #expect(report.documents == 0)
    }

    @Test("builds dictionaries and Wikipedia into one index; the provider answers with passages")
    func provider() async throws {
        let directory = try TemporaryDirectory()
        try DictdFixture.wordNet.write(to: directory, name: "wn")
        try DictdFixture.gcide.write(to: directory, name: "gcide")
        try directory.write(
            #"{"Australia": {"title": "Australia", "extract": "Australia is a country. Its capital is Canberra."}}"#,
            to: "wiki/summaries_en-us.json")
        let sources: [KnowledgeBaseSource] = [
            .wordNet(directory: directory.path), .gcide(directory: directory.path),
            .wikipedia(file: KnowledgeBaseSource.wikipediaFile(dataDirectory: directory.path)),
        ]
        let report = try await indexer(directory, sources: sources).build()
        #expect(report.sources.map(\.documents) == [2, 2, 1])
        let provider = KnowledgeBaseProvider(knowledgeBase: try KnowledgeBase(stateDirectory: directory.path + "/state"))
        #expect(provider.name == "kb")
        let query = AnalyzedQuery(
            original: "What is the capital of Australia?", normalized: "what is the capital of australia",
            kind: .question, terms: ["capital", "australia"], focus: "capital of australia")
        let hits = try await provider.search(query, limit: 10).hits
        #expect(hits.first?.url == "kb://wordnet/Canberra")
        #expect(hits.first?.title == "Canberra")
        #expect(hits.first?.collection == "WordNet")
        #expect(
            hits.first?.snippet
                == "Canberra: the capital of Australia; located in southeastern Australia [syn: Australian capital, capital of Australia]")
        #expect(Set(hits.map(\.url)).count == hits.count)
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })

        let bank = try await provider.search(
            AnalyzedQuery(original: "bank", normalized: "bank", kind: .keywords, terms: ["bank"], focus: "bank"),
            limit: 10
        ).hits
        let wordNetBank = try #require(bank.first { $0.url == "kb://wordnet/bank" })
        // An entry keeps its own order: the commonest sense first.
        #expect(wordNetBank.passages.first == "bank: sloping land (especially the slope beside a body of water)")
    }
}
