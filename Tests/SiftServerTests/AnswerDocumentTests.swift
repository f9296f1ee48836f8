import SiftCore
import Testing

@testable import SiftServer

@Suite("The one-shot answer document")
struct AnswerDocumentTests {
    @Test func aSourceAnnouncedAgainReplacesTheFirstAnnouncement() {
        var document = AnswerDocument(id: QueryID())
        let first = Source(n: 1, url: "https://a.example/", title: "A", snippet: "", providers: ["brave"], score: 1)
        let other = Source(n: 2, url: "https://b.example/", title: "B", snippet: "", providers: ["brave"], score: 0.5)
        var found = first
        found.providers.append("searxng")
        for source in [first, other, found] {
            document.add(PipelineEvent(elapsedMs: 1, payload: .source(source)))
        }
        #expect(document.sources.map(\.n) == [1, 2])
        #expect(document.sources.first?.providers == ["brave", "searxng"])
    }
}
