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
        #expect(try carried("what about its population?", after: ["what is the capital of Australia"]) == "capital australia")
        #expect(try carried("how old is it", after: ["who built the Eiffel Tower"])?.contains("eiffel") == true)
        // Only the latest question counts, and terms the follow-up has are not repeated.
        #expect(try carried("and its capital?", after: ["tell me about France", "what is the capital of Australia"]) == "australia")
    }

    @Test func aShortFollowUpCarriesTermsAndAStandaloneQuestionDoesNot() throws {
        #expect(try carried("population?", after: ["capital of Australia"]) != nil)
        #expect(try carried("how does photosynthesis work in desert plants", after: ["capital of Australia"]) == nil)
        #expect(try carried("what about its population", after: []) == nil)
    }
}
