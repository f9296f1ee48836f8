import Logging
import SiftCore
import SiftText
import Testing

@testable import SiftProviders

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Tests over the corpora installed on the machine (Debian `dict-wn` and friends).
@Suite struct KnowledgeBaseCorpusTests {
    static let wordNetInstalled = access("/usr/share/dictd/wn.index", R_OK) == 0

    @Test(.enabled(if: wordNetInstalled, "needs Debian's dict-wn"))
    func canberraRanksFirstForTheCapitalOfAustralia() async throws {
        let directory = try TemporaryDirectory()
        let indexer = KnowledgeBaseIndexer(
            stateDirectory: directory.path, sources: [.wordNet(), .foldoc()], logger: Logger(label: "test"))
        let report = try await indexer.build()
        #expect(report.rebuilt)
        let kb = try KnowledgeBase(stateDirectory: directory.path)
        let provider = KnowledgeBaseProvider(knowledgeBase: kb)
        let query = AnalyzedQuery(
            original: "what is the capital of Australia", normalized: "what is the capital of australia",
            kind: .question, terms: ["capital", "australia"], focus: "capital of australia")
        let hits = try await provider.search(query, limit: 10).hits
        let top = hits.prefix(3)
        #expect(top.contains { $0.title == "Canberra" && $0.url == "kb://wordnet/Canberra" }, "\(hits.map(\.title))")
        let canberra = try #require(hits.first { $0.title == "Canberra" })
        #expect(
            canberra.passages.first?.hasPrefix("Canberra: the capital of Australia; located in southeastern Australia")
                == true)
        #expect(canberra.collection == "WordNet")
    }

    /// A benchmark hook: set `SIFT_KB_BENCH_DIR` to a directory to build the whole default
    /// corpus there (kept between runs, so a second run measures the up-to-date check) and
    /// time the sample queries. Run it in release:
    /// `SIFT_KB_BENCH_DIR=/tmp/kb swift test -c release -Xswiftc -enable-testing --filter fullCorpusBenchmark`.
    @Test(.enabled(if: getenv("SIFT_KB_BENCH_DIR") != nil, "set SIFT_KB_BENCH_DIR to run"))
    func fullCorpusBenchmark() async throws {
        let directory = String(cString: getenv("SIFT_KB_BENCH_DIR"))
        let data = getenv("SIFT_DATA_DIR").map { String(cString: $0) } ?? "\(String(cString: getenv("HOME")))/.local/share/siftd"
        let indexer = KnowledgeBaseIndexer(
            stateDirectory: directory, sources: KnowledgeBaseSource.defaults(dataDirectory: data),
            logger: Logger(label: "bench"))
        let force = getenv("SIFT_KB_BENCH_FORCE") != nil
        let report = try await indexer.build(force: force) { progress in
            print("progress: \(progress)")
        }
        print("build: rebuilt=\(report.rebuilt) reason=\(report.reason) duration=\(report.duration) documents=\(report.documents) passages=\(report.passages) bytes=\(report.indexBytes)")
        for source in report.sources {
            print("  \(source.collection): \(source.status) docs=\(source.documents) passages=\(source.passages) \(source.message ?? "")")
        }
        let kb = try KnowledgeBase(stateDirectory: directory)
        let provider = KnowledgeBaseProvider(knowledgeBase: kb)
        for question in [
            "what is the capital of Australia", "what is photosynthesis", "how does TCP congestion control work",
        ] {
            let analyzed = try QueryAnalyzer().analyze(question)
            let hits = try await provider.search(analyzed, limit: 10).hits
            print("provider \"\(question)\" terms=\(analyzed.terms) focus=\(analyzed.focus ?? "-"):")
            for hit in hits.prefix(5) {
                print("   \(String(format: hit.score)) [\(hit.collection ?? "")] \(hit.title) <\(hit.url)> :: \(hit.snippet.prefix(100))")
            }
        }
        let queries: [(terms: [String], focus: String?)] = [
            (["capital", "australia"], "capital of australia"),
            (["photosynthesis"], "photosynthesis"),
            (["tcp", "congestion", "control", "work"], "tcp congestion control"),
            (["python", "list", "comprehension"], "list comprehension"),
            (["linux", "kernel", "scheduler"], nil),
            (["bank"], "bank"),
            (["how", "does", "the", "work"], nil),
        ]
        for query in queries {
            let matches = try kb.search(terms: query.terms, focus: query.focus, limit: 5)
            print("query \(query.terms):")
            for match in matches {
                print("   \(String(format: match.score)) [\(match.collection)] \(match.title) <\(match.url)> :: \(match.passages.first?.prefix(120) ?? "")")
            }
        }
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for query in queries {
            var perQuery: [Duration] = []
            for _ in 0..<200 {
                let start = clock.now
                _ = try kb.search(terms: query.terms, focus: query.focus, limit: 10)
                perQuery.append(clock.now - start)
            }
            perQuery.sort()
            samples += perQuery
            print("latency \(query.terms): p50=\(perQuery[100]) p99=\(perQuery[198])")
        }
        samples.sort()
        print("latency all: p50=\(samples[samples.count / 2]) p99=\(samples[samples.count * 99 / 100]) max=\(samples.last!)")
    }
}

extension String {
    fileprivate init(format value: Double) {
        self = String(Double(Int(value * 100)) / 100)
    }
}
