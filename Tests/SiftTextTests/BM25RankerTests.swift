import SiftCore
import Testing

@testable import SiftText

@Suite("BM25Ranker")
struct BM25RankerTests {
    let analyzer = QueryAnalyzer()
    let ranker = BM25Ranker()

    func candidate(_ sourceN: Int, _ text: String, title: String = "", score: Double = 0.5) -> CandidatePassage {
        CandidatePassage(sourceN: sourceN, text: text, title: title, sourceScore: score)
    }

    @Test("numbered shingles give the same overlaps as joined-string shingles")
    func numberedShingles() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "b", "c", "ab", "bc", "d"]
        var vocabulary = TextSimilarity.Vocabulary()
        func sequence() -> [String] {
            (0..<Int.random(in: 0...7, using: &generator)).map { _ in words.randomElement(using: &generator)! }
        }
        for _ in 0..<500 {
            let (x, y) = (sequence(), sequence())
            let strings = TextSimilarity.jaccard(TextSimilarity.shingles(x), TextSimilarity.shingles(y))
            let numbers = TextSimilarity.jaccard(vocabulary.shingles(x), vocabulary.shingles(y))
            #expect(strings == numbers, "\(x) \(y)")
            #expect(TextSimilarity.shingles(x).count == vocabulary.shingles(x).count)
        }
    }

    @Test("puts the passage with more query terms first and numbers passages from 1")
    func ordering() throws {
        let query = try analyzer.analyze("tcp congestion control")
        let passages = ranker.rank(
            [
                candidate(1, "The weather in Canberra is mild in spring."),
                candidate(2, "TCP congestion control limits the congestion window when packets are lost."),
                candidate(3, "TCP is a transport protocol."),
            ], for: query, limit: 10)
        #expect(passages.map(\.sourceN) == [2, 3, 1])
        #expect(passages.map(\.n) == [1, 2, 3])
        #expect(passages[0].score > passages[1].score && passages[1].score > passages[2].score)
    }

    @Test("rounds scores to 3 decimals")
    func rounding() throws {
        let query = try analyzer.analyze("what is entropy")
        let passages = ranker.rank(
            [
                candidate(1, "Entropy measures disorder.", score: 0.3333333),
                candidate(2, "Heat flows from hot to cold."),
            ],
            for: query, limit: 5)
        for passage in passages {
            #expect((passage.score * 1000).rounded() == passage.score * 1000)
        }
    }

    @Test("boosts a title that equals the focus over a longer, wordier passage")
    func focusTitleBoost() throws {
        let query = try analyzer.analyze("what is the capital of Australia")
        let passages = ranker.rank(
            [
                candidate(
                    1, "Australia: a nation occupying the whole of the Australian continent", title: "Australia",
                    score: 1),
                candidate(
                    2,
                    "The capital of a country is its seat of government; in Australia the states each have a capital too.",
                    title: "Capital city", score: 0.9),
                candidate(
                    3, "capital of Australia: Canberra, the seat of the federal government",
                    title: "capital of Australia", score: 0.2),
            ], for: query, limit: 3)
        #expect(passages.first?.sourceN == 3)
    }

    @Test("ranks the dictionary entry that names the focus first (Canberra)")
    func canberra() throws {
        let query = try analyzer.analyze("what is the capital of Australia")
        let passages = ranker.rank(Fixtures.canberraCandidates, for: query, limit: 5)
        #expect(passages.first?.sourceN == 1)
        #expect(passages.count == 4)
    }

    @Test("removes near-duplicates (3-shingle Jaccard ≥ 0.7), keeping the better passage")
    func nearDuplicates() throws {
        let query = try analyzer.analyze("what is photosynthesis")
        let text =
            "Photosynthesis is the process by which green plants use sunlight to make sugar from carbon dioxide and water"
        let passages = ranker.rank(
            [
                candidate(1, text + ".", score: 0.2),
                candidate(2, text.replacing("water", with: "H2O") + ".", score: 0.9),
                candidate(3, "Chlorophyll absorbs red and blue light for photosynthesis.", score: 0.1),
            ], for: query, limit: 10)
        #expect(passages.map(\.sourceN) == [2, 3])
    }

    @Test("removes a passage contained in another")
    func containment() throws {
        let query = try analyzer.analyze("what is photosynthesis")
        let long =
            "Photosynthesis is the process by which green plants use sunlight to make sugar from carbon dioxide and water."
        let passages = ranker.rank(
            [
                candidate(1, long), candidate(2, "photosynthesis is the process by which green plants use sunlight"),
                candidate(3, "Chlorophyll absorbs red and blue light for photosynthesis."),
            ], for: query, limit: 10)
        #expect(passages.count == 2)
        #expect(passages.filter { $0.sourceN == 1 || $0.sourceN == 2 }.count == 1)
        #expect(passages.contains { $0.sourceN == 3 })
    }

    @Test("keeps passages that only share some words")
    func distinctPassages() throws {
        let query = try analyzer.analyze("rust ownership")
        let passages = ranker.rank(
            [
                candidate(1, "Rust ownership moves values between variables."),
                candidate(2, "Rust ownership frees memory when the owner goes out of scope."),
            ], for: query, limit: 10)
        #expect(passages.count == 2)
    }

    @Test("caps the passages taken from one source")
    func perSourceCap() throws {
        let query = try analyzer.analyze("linux kernel scheduler")
        var candidates = (1...6).map { i in
            candidate(1, "The Linux kernel scheduler part \(i) explains topic number \(i * 7) in its own words \(i).")
        }
        candidates.append(candidate(2, "A scheduler decides which task runs next on each CPU of a Linux system."))
        let passages = ranker.rank(candidates, for: query, limit: 10)
        #expect(passages.filter { $0.sourceN == 1 }.count == 3)
        #expect(passages.contains { $0.sourceN == 2 })
        let capped = BM25Ranker(maxPerSource: 1).rank(candidates, for: query, limit: 10)
        #expect(capped.map(\.sourceN).sorted() == [1, 2])
    }

    @Test("returns at most limit passages", arguments: [0, 1, 3])
    func limit(_ limit: Int) throws {
        let query = try analyzer.analyze("rust ownership")
        let candidates = (1...8).map { i in
            candidate(i, "Rust ownership rule number \(i) says something different about value \(i * 13).")
        }
        #expect(ranker.rank(candidates, for: query, limit: limit).count == limit)
    }

    @Test("skips empty texts and handles no candidates")
    func empty() throws {
        let query = try analyzer.analyze("anything")
        #expect(ranker.rank([], for: query, limit: 5).isEmpty)
        #expect(ranker.rank([candidate(1, "   ")], for: query, limit: 5).isEmpty)
    }
}
