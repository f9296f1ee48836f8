import SiftText
import Testing

@Suite("PassageSplitter")
struct PassageSplitterTests {
    let splitter = PassageSplitter(minWords: 40, maxWords: 150)

    func sentence(_ n: Int, words: Int = 10) -> String {
        (0..<words).map { $0 == 0 ? "Sentence\(n)" : "word" }.joined(separator: " ") + "."
    }

    @Test("keeps every passage within the word bounds and carries the heading")
    func bounds() {
        var blocks: [ReadableDocument.Block] = [.init(kind: .heading(level: 1), text: "Title")]
        for section in 0..<3 {
            blocks.append(.init(kind: .heading(level: 2), text: "Section \(section)"))
            for paragraph in 0..<12 {
                let text = (0..<(paragraph % 4 + 1)).map { sentence(section * 100 + paragraph * 10 + $0) }
                    .joined(separator: " ")
                blocks.append(.init(kind: .paragraph, text: text))
            }
        }
        let chunks = splitter.split(ReadableDocument(title: "T", blocks: blocks))
        #expect(!chunks.isEmpty)
        for chunk in chunks {
            #expect(chunk.wordCount <= 150)
            #expect(chunk.wordCount >= 20, "\(chunk.wordCount) words under \(chunk.heading ?? "-")")
            #expect(chunk.heading?.hasPrefix("Section") == true)
            #expect(chunk.wordCount == PassageSplitter.wordCount(chunk.text))
        }
        // Every word is kept, in order.
        let total = blocks.filter { !$0.isHeading }.reduce(0) { $0 + PassageSplitter.wordCount($1.text) }
        #expect(chunks.reduce(0) { $0 + $1.wordCount } == total)
    }

    @Test("never crosses a heading; a short section gives a short passage")
    func sections() {
        let document = ReadableDocument(
            title: "",
            blocks: [
                .init(kind: .heading(level: 2), text: "Intro"),
                .init(kind: .paragraph, text: "Short intro."),
                .init(kind: .heading(level: 2), text: "Details"),
                .init(kind: .paragraph, text: "More text here."),
            ])
        let chunks = splitter.split(document)
        #expect(chunks.map(\.heading) == ["Intro", "Details"])
        #expect(chunks.map(\.text) == ["Short intro.", "More text here."])
        #expect(chunks[0].textWithHeading == "Intro: Short intro.")
    }

    @Test("cuts long paragraphs at sentence boundaries")
    func sentenceBoundaries() {
        let paragraph = (0..<40).map { sentence($0) }.joined(separator: " ")  // 400 words
        let chunks = splitter.split(text: paragraph, heading: "H")
        #expect(chunks.count >= 3)
        for chunk in chunks {
            #expect(chunk.wordCount <= 150)
            #expect(chunk.text.hasPrefix("Sentence"))
            #expect(chunk.text.hasSuffix("."))
        }
    }

    @Test("cuts a run-on sentence at word boundaries")
    func runOn() {
        let text = Array(repeating: "word", count: 400).joined(separator: " ")
        let chunks = splitter.split(text: text)
        #expect(chunks.map(\.wordCount) == [150, 150, 100])
    }

    @Test("splits sentences but not after abbreviations or initials")
    func sentences() {
        let text = "Dr. Smith met J. R. Doe, e.g. at noon. They talked! Did it work? Yes (mostly). \"Quoted.\" End"
        #expect(
            PassageSplitter.sentences(text) == [
                "Dr. Smith met J. R. Doe, e.g. at noon.", "They talked!", "Did it work?", "Yes (mostly).",
                "\"Quoted.\"", "End",
            ])
    }

    @Test("splits preformatted blocks at line breaks")
    func preformatted() {
        let code = (0..<100).map { "let value\($0) = compute(\($0), other)" }.joined(separator: "\n")
        let chunks = splitter.split(ReadableDocument(title: "", blocks: [.init(kind: .preformatted, text: code)]))
        #expect(chunks.count > 1)
        for chunk in chunks {
            #expect(chunk.wordCount <= 150)
            #expect(chunk.text.split(separator: "\n").allSatisfy { $0.hasPrefix("let value") })
        }
    }

    @Test("counts words")
    func wordCount() {
        #expect(PassageSplitter.wordCount("") == 0)
        #expect(PassageSplitter.wordCount("  one\ttwo\nthree  ") == 3)
    }
}
