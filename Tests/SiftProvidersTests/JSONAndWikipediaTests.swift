import SiftText
import Testing

@testable import SiftProviders

@Suite("JSON and Wikipedia import")
struct JSONAndWikipediaTests {
    @Test("parses JSON with escapes, surrogate pairs, numbers and nesting")
    func parse() throws {
        let json = #"{"a": [1, -2.5e2, true, false, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00", "o": {}}"#
        let value = try JSONValue.parse(Array(json.utf8))
        #expect(value["a"] == .array([.number(1), .number(-250), .bool(true), .bool(false), .null]))
        #expect(value["s"]?.string == "q\"\\/\né😀")
        #expect(value["o"] == .object([]))
    }

    @Test("rejects malformed JSON", arguments: [
        "", "{", #"{"a" 1}"#, #"{"a": 1,}"#, "[1 2]", #""unterminated"#, "tru", #"{"a": 1} x"#, #""\x""#,
    ])
    func malformed(_ json: String) {
        #expect(throws: KnowledgeBaseError.self) { try JSONValue.parse(Array(json.utf8)) }
    }

    @Test("imports summaries as documents with passages, in both shapes")
    func wikipedia() throws {
        let long = (0..<60).map { "Sentence \($0) says something about photosynthesis and light." }.joined(separator: " ")
        let json = """
            {
              "Photosynthesis": {"title": "Photosynthesis", "extract": "\(long)",
                                 "description": "Biological process", "topic": "Science"},
              "Canberra": "Canberra is the capital city of Australia.",
              "Empty": {"title": "Empty", "extract": ""},
              "Odd": 42
            }
            """
        let documents = try KnowledgeBaseSource.wikipediaDocuments(
            Array(json.utf8), collection: "Wikipedia", splitter: PassageSplitter(minWords: 40, maxWords: 150))
        #expect(documents.map(\.title) == ["Photosynthesis", "Canberra"])
        let photosynthesis = documents[0]
        #expect(photosynthesis.url == "kb://wikipedia/Photosynthesis")
        #expect(photosynthesis.origin == "https://en.wikipedia.org/wiki/Photosynthesis")
        #expect(photosynthesis.passages.count > 1)
        #expect(photosynthesis.passages.allSatisfy { $0.context == "Biological process" })
        #expect(photosynthesis.passages.allSatisfy { PassageSplitter.wordCount($0.text) <= 150 })
        #expect(photosynthesis.passages.map(\.text).joined(separator: " ") == long)
        #expect(documents[1].passages.map(\.text) == ["Canberra is the capital city of Australia."])
    }
}
