import SiftCore
import Testing

@testable import SiftText

@Suite("ExtractiveSynthesizer")
struct ExtractiveSynthesizerTests {
    let analyzer = QueryAnalyzer()
    let ranker = BM25Ranker()
    let synthesizer = ExtractiveSynthesizer()

    /// Analyzes, ranks and synthesizes; returns the answer and the streamed deltas.
    func answer(
        _ question: String, _ candidates: [CandidatePassage], _ sources: [Source]
    ) async throws -> (text: String, deltas: [String]) {
        let query = try analyzer.analyze(question)
        let passages = ranker.rank(candidates, for: query, limit: 8)
        var deltas: [String] = []
        for try await delta in synthesizer.synthesize(query: query, sources: sources, passages: passages) {
            deltas.append(delta)
        }
        return (synthesizer.answer(query: query, sources: sources, passages: passages), deltas)
    }

    /// The sentences of an answer, split after each closing citation.
    func sentences(_ text: String) -> [String] {
        text.split(separator: "]. ").map(String.init)
    }

    @Test("leads the Canberra question with the fact, cited with its source number")
    func canberra() async throws {
        let (text, deltas) = try await answer(
            "what is the capital of Australia", Fixtures.canberraCandidates, Fixtures.canberraSources)
        #expect(text.hasPrefix("Canberra is the capital of Australia; located in southeastern Australia [1]"))
        #expect(deltas.joined() == text)
        // The encyclopedia sentence says the same and is folded into the citation.
        #expect(text.hasPrefix("Canberra is the capital of Australia; located in southeastern Australia [1][3]."))
        // A competing fact about another city does not follow the answer.
        #expect(!text.contains("Sydney"))
        #expect(text.split(separator: " ").count <= 120)
    }

    @Test("defines photosynthesis from the encyclopedia's opening sentence, citing sourceN rather than passage numbers")
    func photosynthesis() async throws {
        let (text, deltas) = try await answer(
            "what is photosynthesis", Fixtures.photosynthesisCandidates, Fixtures.photosynthesisSources)
        let parts = sentences(text)
        #expect(parts.count == 2)
        #expect(
            parts[0]
                == "Photosynthesis is a system of biological processes by which photosynthetic organisms, such as most plants, algae, and cyanobacteria, convert light energy into chemical energy [1"
        )
        #expect(text.hasSuffix("].") && !text.contains("[3]"))
        #expect(deltas.joined() == text)
    }

    @Test("cites the source number, not the passage number")
    func citationsAreSourceNumbers() throws {
        let query = try analyzer.analyze("what is a quasar")
        let sources = [
            Source(n: 7, url: "kb://a", title: "Quasar", snippet: "", providers: ["kb"], score: 1),
            Source(n: 12, url: "kb://b", title: "Galaxy", snippet: "", providers: ["kb"], score: 1),
        ]
        let passages = [
            Passage(n: 1, sourceN: 7, score: 2, text: "A quasar is an extremely luminous active galactic nucleus."),
            Passage(n: 2, sourceN: 12, score: 1, text: "Quasars are found at the centres of distant galaxies."),
        ]
        let text = synthesizer.answer(query: query, sources: sources, passages: passages)
        #expect(text.hasPrefix("A quasar is an extremely luminous active galactic nucleus [7]."))
        #expect(!text.contains("[1]") && !text.contains("[2]"))
    }

    @Test("ends every sentence with a citation")
    func everySentenceCited() async throws {
        let (text, _) = try await answer(
            "how does TCP congestion control work",
            [
                CandidatePassage(
                    sourceN: 1,
                    text:
                        "TCP congestion control uses a congestion window to limit unacknowledged data. The window grows during slow start. Linux selects the algorithm with the tcp_congestion_control sysctl.",
                    title: "tcp(7)", sourceScore: 0.8),
                CandidatePassage(
                    sourceN: 2, text: "Congestion control in TCP reacts to packet loss by shrinking the window.",
                    title: "TCP", sourceScore: 0.5),
            ],
            [
                Source(n: 1, url: "kb://man/tcp.7", title: "tcp(7)", snippet: "", providers: ["kb"], score: 0.8),
                Source(n: 2, url: "kb://wiki/TCP", title: "TCP", snippet: "", providers: ["kb"], score: 0.5),
            ])
        #expect(text.hasPrefix("TCP congestion control uses a congestion window"))
        let parts = sentences(text)
        #expect(parts.count >= 2)
        for part in parts.dropLast() {
            #expect(part.last?.isNumber == true && part.contains(" ["))
        }
        #expect(text.hasSuffix("].") && !text.contains(". ["))
    }

    @Test("leads code and error-log answers with the passage naming the most query identifiers")
    func errorLogLead() throws {
        let query = try analyzer.analyze("connect ECONNREFUSED 127.0.0.1:5432")
        #expect(query.kind == .errorLog)
        let sources = [
            Source(n: 1, url: "kb://pg", title: "PostgreSQL", snippet: "", providers: ["kb"], score: 1),
            Source(n: 2, url: "kb://errno", title: "errno(3)", snippet: "", providers: ["kb"], score: 0.5),
        ]
        let passages = [
            Passage(
                n: 1, sourceN: 1, score: 0.9, text: "PostgreSQL listens on port 5432 by default. Clients connect to it."
            ),
            Passage(
                n: 2, sourceN: 2, score: 0.6,
                text: "ECONNREFUSED means the connection was refused: no process was listening on the remote address."),
        ]
        let text = synthesizer.answer(query: query, sources: sources, passages: passages)
        #expect(text.hasPrefix("ECONNREFUSED means the connection was refused"))
        #expect(text.contains("[1]"))
    }

    @Test("says honestly when nothing answers the question")
    func fallback() throws {
        let query = try analyzer.analyze("what is the airspeed of an unladen swallow")
        let sources = [Source(n: 3, url: "kb://w", title: "Weather", snippet: "", providers: ["kb"], score: 0.2)]
        let passages = [
            Passage(n: 1, sourceN: 3, score: 0.1, text: "Weather is the state of the atmosphere. It changes.")
        ]
        let text = synthesizer.answer(query: query, sources: sources, passages: passages)
        // It says so plainly and names the closest source, asserting nothing it says.
        #expect(text == "The sources found do not answer this question. The closest is Weather [3].")
        #expect(synthesizer.compose(query: query, sources: sources, passages: passages).answered == false)
        let dictionary = synthesizer.answer(
            query: query,
            sources: [Source(n: 2, url: "kb://s", title: "weather", snippet: "", providers: ["kb"], score: 1)],
            passages: [Passage(n: 1, sourceN: 2, score: 0.1, text: "weather: the atmospheric conditions at some place")]
        )
        #expect(
            dictionary
                == "The sources found do not answer this question. The closest is weather [2]."
        )
        let none = synthesizer.answer(query: query, sources: [], passages: [])
        #expect(none == "The sources found do not answer this question.")
    }

    @Test(
        "computes arithmetic instead of quoting passages",
        arguments: [
            ("2+2*3", "2+2*3 = 8."), ("what is 12 * 7", "12 * 7 = 84."), ("(1 + 2) / 4", "(1 + 2) / 4 = 0.75."),
            ("what is 2^10?", "2^10 = 1024."),
        ])
    func arithmetic(_ question: String, _ expected: String) throws {
        let query = try analyzer.analyze(question)
        #expect(synthesizer.answer(query: query, sources: [], passages: []) == expected)
    }

    @Test("never answers with an empty text", arguments: ["what is x", "1/0", "SELECT * FROM t", "zzzz qqqq"])
    func neverEmpty(_ question: String) async throws {
        let query = try analyzer.analyze(question)
        let passages = [Passage(n: 1, sourceN: 1, score: 0.1, text: "Unrelated words about gardening and soil.")]
        for passages in [[], passages] {
            var text = ""
            for try await delta in synthesizer.synthesize(query: query, sources: [], passages: passages) {
                #expect(!delta.isEmpty)
                text += delta
            }
            #expect(!text.isEmpty)
            #expect(text.hasSuffix("."))
        }
    }

    @Test("streams deltas of a few words that concatenate exactly to the answer", arguments: [1, 2, 3])
    func deltas(_ wordsPerDelta: Int) {
        let text = "Canberra is the capital of Australia [1][3]. It was  founded in 1913 [3]."
        let deltas = ExtractiveSynthesizer.deltas(of: text, wordsPerDelta: wordsPerDelta)
        #expect(deltas.joined() == text)
        for delta in deltas {
            let words = delta.split(separator: " ").count
            #expect(words >= 1 && words <= wordsPerDelta)
        }
        #expect(deltas.first == ["Canberra ", "Canberra is ", "Canberra is the "][wordsPerDelta - 1])
        #expect(ExtractiveSynthesizer.deltas(of: "").isEmpty)
    }

    @Test("finishes with CancellationError when its task is already cancelled")
    func cancelled() async throws {
        let query = try analyzer.analyze("what is photosynthesis")
        let synthesizer = self.synthesizer
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var received = 0
            do {
                for try await _ in synthesizer.synthesize(query: query, sources: [], passages: []) { received += 1 }
                return "finished after \(received)"
            } catch is CancellationError {
                return "cancelled"
            }
        }
        #expect(try await task.value == "cancelled")
    }

    @Test("has the name extractive")
    func name() {
        #expect(synthesizer.name == "extractive")
    }
}
