import Testing

@testable import SiftProviders

@Suite("Abstention: a model's declining answer")
struct AbstentionTests {
    @Test(
        "declining answers are recognized in their first sentence",
        arguments: [
            "The sources do not answer this question.",
            "I couldn’t find this in the provided sources.",
            "  The provided sources don't mention a capital for that country.",
            "Unable to answer from the sources [1].",
            "",
        ])
    func declines(answer: String) {
        #expect(Abstention.declines(answer))
    }

    @Test(
        "answers that answer are not declining, even when they later note a gap",
        arguments: [
            "Canberra is the capital of Australia [1].",
            "A cygnet is a young swan [2]. The sources do not say how long it stays with its parents.",
        ])
    func answers(answer: String) {
        #expect(!Abstention.declines(answer))
    }
}
