import SiftCore
import Testing

@testable import SiftText

@Suite("QueryAnalyzer")
struct QueryAnalyzerTests {
    let analyzer = QueryAnalyzer()

    @Test(
        "detects the kind",
        arguments: [
            ("what is photosynthesis", QueryKind.question),
            ("who was Ada Lovelace", .question),
            ("how does TCP congestion control work", .question),
            ("Can penguins fly", .question),
            ("is the earth flat", .question),
            ("explain quantum entanglement", .question),
            ("define entropy", .question),
            ("photosynthesis in plants?", .question),
            ("what does ECONNREFUSED mean", .question),
            ("what does printf() do", .question),
            ("tcp congestion control", .keywords),
            ("select the best laptop from amazon", .keywords),
            ("capital of australia", .keywords),
            ("SELECT name, email FROM users WHERE id = 42;", .code),
            ("select * from orders where total > 100", .code),
            ("def fib(n): return n if n < 2 else fib(n-1) + fib(n-2)", .code),
            ("func greet(name: String) -> String { \"hi \\(name)\" }", .code),
            ("#include <stdio.h>", .code),
            ("ps aux | grep siftd", .code),
            ("console.log(JSON.stringify(obj))", .code),
            ("int x = 5;", .code),
            ("Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\nKeyError: 'x'", .errorLog),
            ("TypeError: undefined is not a function", .errorLog),
            ("main.c:3:5: error: expected ';' before '}' token", .errorLog),
            ("panic: runtime error: index out of range", .errorLog),
            ("connect ECONNREFUSED 127.0.0.1:5432", .errorLog),
            ("Segmentation fault (core dumped)", .errorLog),
            ("Exception in thread \"main\" java.lang.NullPointerException", .errorLog),
            ("2+2*3", .arithmetic),
            ("what is 12 * 7", .arithmetic),
            ("(3 + 4) / 2", .arithmetic),
            ("what is 12 times 7?", .arithmetic),
        ])
    func kind(_ text: String, _ expected: QueryKind) throws {
        #expect(try analyzer.analyze(text).kind == expected)
    }

    @Test(
        "extracts the focus",
        arguments: [
            ("what is photosynthesis", "photosynthesis"),
            // A relation question is about its subject.
            ("What is the capital of Australia?", "australia"),
            ("who was Ada Lovelace", "ada lovelace"),
            ("define entropy", "entropy"),
            ("how does TCP congestion control work", "tcp congestion control"),
            ("Where is Uluru located?", "uluru"),
            ("what does sd_notify mean", "sd_notify"),
            ("explain how vaccines work", "vaccines"),
            ("tell me about the Roman Empire", "roman empire"),
            ("photosynthesis", "photosynthesis"),
        ])
    func focus(_ text: String, _ expected: String) throws {
        #expect(try analyzer.analyze(text).focus == expected)
    }

    @Test(
        "has no focus when there is no single subject",
        arguments: [
            "why is the sky blue", "2+2*3", "what is the difference between TCP and UDP",
            "how many moons does Mars have",
        ])
    func noFocus(_ text: String) throws {
        #expect(try analyzer.analyze(text).focus == nil)
    }

    @Test(
        "extracts content terms in order without repeats",
        arguments: [
            // The subject first, then the relation's word.
            ("What is the capital of Australia?", ["australia", "capital"]),
            ("how does TCP congestion control work", ["tcp", "congestion", "control"]),
            ("define entropy", ["entropy"]),
            (
                "set tcp_congestion_control and sd_notify with O_DIRECT",
                ["set", "tcp_congestion_control", "sd_notify", "o_direct"]
            ),
            ("the cat and the other cat", ["cat"]),
            ("what happened in 1969", ["happened", "1969"]),
            ("Qu'est-ce que la théorie de Gödel", ["qu", "est", "ce", "que", "la", "théorie", "de", "gödel"]),
        ])
    func terms(_ text: String, _ expected: [String]) throws {
        #expect(try analyzer.analyze(text).terms == expected)
    }

    @Test("normalizes white space but keeps the original text")
    func normalization() throws {
        let raw = "  what   is\tthe \n capital\u{00A0}of  Australia  "
        let query = try analyzer.analyze(raw)
        #expect(query.normalized == "what is the capital of Australia")
        #expect(query.original == raw)

        let log = "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad"
        let analyzed = try analyzer.analyze(log)
        #expect(analyzed.original == log)
        #expect(analyzed.normalized == "Traceback (most recent call last): File \"x.py\", line 1 ValueError: bad")
    }

    @Test("rejects empty and white-space-only queries", arguments: ["", " ", "\n\t  \r\n", "\u{3000}"])
    func empty(_ text: String) {
        #expect(throws: QueryError.emptyQuery) { try analyzer.analyze(text) }
    }

    @Test("rejects queries longer than the limit", arguments: [2001, 5000])
    func tooLong(_ length: Int) {
        let text = String(repeating: "a", count: length)
        #expect(throws: QueryError.queryTooLong(length: length, limit: 2000)) { try analyzer.analyze(text) }
    }

    @Test("accepts a query of exactly the limit, counting Characters after trimming")
    func atLimit() throws {
        let text = "  " + String(repeating: "é", count: 2000) + "\n"
        #expect(try analyzer.analyze(text).normalized.count == 2000)
        #expect(throws: QueryError.queryTooLong(length: 11, limit: 10)) {
            try QueryAnalyzer(maxLength: 10).analyze("hello world")
        }
    }

    @Test(
        "rejects control characters with their code point and position",
        arguments: [
            ("what is a\u{07}bell", "a control character (U+0007) at position 10"),
            ("nul\u{0}byte", "a NUL character (U+0000) at position 4"),
            ("\u{85}next line", "a control character (U+0085) at position 1"),
            ("c1 \u{9F}", "a control character (U+009F) at position 4"),
            ("delete\u{7F}", "a control character (U+007F) at position 7"),
            ("escape \u{1B}[31m", "a control character (U+001B) at position 8"),
        ])
    func controlCharacters(_ text: String, _ detail: String) {
        #expect(throws: QueryError.invalidCharacters(detail)) { try analyzer.analyze(text) }
    }

    @Test("allows tab, newline and carriage return")
    func allowedControls() throws {
        #expect(try analyzer.analyze("what\tis\r\nthis").normalized == "what is this")
    }

    @Test(
        "rejects invalid UTF-8",
        arguments: [[0xFF], [0x77, 0x68, 0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x61, 0x80, 0x62]] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: QueryError.invalidEncoding) { try analyzer.analyze(bytes: bytes) }
    }

    @Test("decodes valid UTF-8 bytes, ignoring a byte-order mark")
    func validUTF8() throws {
        let query = try analyzer.analyze(bytes: [0xEF, 0xBB, 0xBF] + Array("what is Gödel's theorem".utf8))
        #expect(query.normalized == "what is Gödel's theorem")
        #expect(query.kind == .question)
        #expect(throws: QueryError.invalidCharacters("a NUL character (U+0000) at position 2")) {
            try analyzer.analyze(bytes: [0x61, 0x00])
        }
    }

    @Test(
        "accepts SQL, code and arithmetic as queries",
        arguments: [
            "SELECT * FROM users; DROP TABLE users; --", "'; DELETE FROM accounts WHERE 1=1; --",
            "rm -rf / --no-preserve-root", "<script>alert(1)</script>", "2+2*3", "1/0",
        ])
    func accepted(_ text: String) throws {
        let query = try analyzer.analyze(text)
        #expect(query.normalized == text)
        #expect(query.kind != .question)
    }

    @Test("reports only ambiguous terms present, and none for code")
    func ambiguous() throws {
        #expect(
            try analyzer.analyze("how fast is a jaguar compared to a python").ambiguousTerms == ["jaguar", "python"])
        #expect(try analyzer.analyze("what is photosynthesis").ambiguousTerms.isEmpty)
        #expect(try analyzer.analyze("import numpy as np; python -c 'print(1)'").ambiguousTerms.isEmpty)
    }

    @Test(
        "splits compound questions",
        arguments: [
            ("what is TCP and how does UDP work", ["what is TCP", "how does UDP work"]),
            ("python vs java", ["python", "java"]),
            ("Compare Rust versus Go", ["Rust", "Go"]),
            ("What is the difference between TCP and UDP?", ["TCP", "UDP"]),
            ("What is DNS? Who invented it?", ["What is DNS", "Who invented it"]),
            ("what is rock and roll", []),
            ("black and white photography", []),
        ])
    func subQueries(_ text: String, _ expected: [String]) throws {
        #expect(try analyzer.analyze(text).subQueries == expected)
    }

    @Test("estimates complexity from 1 (one fact) to 5")
    func complexity() throws {
        #expect(try analyzer.analyze("what is the capital of Australia").complexity == 1)
        #expect(try analyzer.analyze("2+2*3").complexity == 1)
        let compound = try analyzer.analyze(
            "why did the Roman Empire fall and how did its economy, army and politics decline? What replaced it?")
        #expect(compound.complexity >= 4)
        let why = try analyzer.analyze("why is the sky blue")
        #expect(why.complexity > 1)
        for text in ["a", "what is photosynthesis", "TypeError: x is undefined", compound.original] {
            #expect((1...5).contains(try analyzer.analyze(text).complexity))
        }
    }
}
