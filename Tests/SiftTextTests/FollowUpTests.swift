import SiftCore
import SiftText
import Testing

@Suite("Follow-up questions")
struct FollowUpTests {
    let analyzer = QueryAnalyzer()

    func carried(_ followUp: String, after earlier: [String]) throws -> String? {
        analyzer.carriedTerms(for: try analyzer.analyze(followUp), earlier: earlier)
    }

    @Test func aFollowUpThatRefersBackCarriesTheEarlierTerms() throws {
        #expect(try carried("what about its population?", after: ["what is the capital of Australia"]) == "australia capital")
        #expect(try carried("how old is it", after: ["who built the Eiffel Tower"])?.contains("eiffel") == true)
        // Only the latest question counts, and terms the follow-up has are not repeated.
        #expect(try carried("and its capital?", after: ["tell me about France", "what is the capital of Australia"]) == "australia")
    }

    @Test func aShortFollowUpCarriesTermsAndAStandaloneQuestionDoesNot() throws {
        #expect(try carried("population?", after: ["capital of Australia"]) != nil)
        #expect(try carried("how does photosynthesis work in desert plants", after: ["capital of Australia"]) == nil)
        #expect(try carried("what about its population", after: []) == nil)
    }

    @Test("a pronoun becomes the earlier question's subject")
    func resolvesPronouns() {
        let analyzer = QueryAnalyzer()
        #expect(
            analyzer.resolvingReferences(in: "What is its chemical symbol?", earlier: ["Tell me about neon"])
                == "What is neon's chemical symbol?")
        #expect(
            analyzer.resolvingReferences(in: "when was he born", earlier: ["who was Chopin"]) == "when was chopin born")
        #expect(analyzer.resolvingReferences(in: "what is the capital of Peru", earlier: ["who was Chopin"]) == nil)
        #expect(analyzer.resolvingReferences(in: "what is it", earlier: []) == nil)
        #expect(
            analyzer.resolvingReferences(in: "In what year was this person born?", earlier: ["Who was Chopin?"])
                == "In what year was chopin born?")
    }
}
