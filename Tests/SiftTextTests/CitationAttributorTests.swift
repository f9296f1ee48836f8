import SiftCore
import SiftText
import Testing

@Suite("Citation attribution")
struct CitationAttributorTests {
    let passages = [
        Passage(n: 1, sourceN: 4, score: 2, text: "Canberra is the capital city of Australia, its largest inland city."),
        Passage(n: 2, sourceN: 7, score: 1, text: "Sydney is the most populous city in Australia and the capital of New South Wales."),
    ]

    func attribute(_ pieces: [String]) -> (text: String, attributed: [Int]) {
        var attributor = CitationAttributor(passages: passages)
        var text = ""
        for piece in pieces { text += attributor.feed(piece) }
        text += attributor.finish()
        return (text, attributor.attributed)
    }

    @Test func anUncitedSentenceGetsTheCitationOfThePassageThatSupportsIt() {
        let result = attribute(["The capital of Australia", " is Canberra."])
        #expect(result.text == "The capital of Australia is Canberra [4].")
        #expect(result.attributed == [4])
    }

    @Test func eachSentenceIsJudgedOnItsOwnAndSplitsAnywhereGiveTheSameText() {
        let whole = "The capital of Australia is Canberra. Sydney is the most populous city. I like trains!"
        let expected = "The capital of Australia is Canberra [4]. Sydney is the most populous city [7]. I like trains!"
        #expect(attribute([whole]).text == expected)
        let characters = whole.map(String.init)
        #expect(attribute(characters).text == expected)
        #expect(attribute(characters).attributed == [4, 7])
    }

    @Test func citedSentencesAndCitationsAfterTheFullStopAreLeftAlone() {
        #expect(attribute(["Canberra is the capital of Australia [4]."]).text == "Canberra is the capital of Australia [4].")
        #expect(attribute(["Canberra is the capital of Australia. [4] Sydney is big."]).attributed.isEmpty)
    }

    @Test func decimalsAndUnsupportedSentencesAreNotSentenceEndsOrCitations() {
        let result = attribute(["It measures 3.5 metres. The sources do not say."])
        #expect(result.text == "It measures 3.5 metres. The sources do not say.")
        #expect(result.attributed.isEmpty)
    }

    @Test func aLastSentenceWithoutPunctuationIsAttributedAtTheEnd() {
        #expect(attribute(["Canberra is the capital of Australia"]).text == "Canberra is the capital of Australia [4]")
    }

    @Test func nothingIsAddedInsideCode() {
        let text = "Use `capital.of(Australia). Canberra` here. ```\nCanberra is the capital city of Australia.\n``` Done."
        let result = attribute(text.map(String.init))
        #expect(result.text == text)
        #expect(result.attributed.isEmpty)
    }
}
