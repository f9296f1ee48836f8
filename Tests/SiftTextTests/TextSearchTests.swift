import Testing

@testable import SiftText

@Suite("Substring search")
struct TextSearchTests {
    @Test("ASCII text and pattern: the ranges the standard library finds")
    func asciiRanges() {
        let text = "error: cannot open file \"x.py\", line 3"
        #expect(text.firstRange(ofText: "file \"") == text.firstRange(of: "file \""))
        #expect(text.firstRange(ofText: "line 3") == text.firstRange(of: "line 3"))
        #expect(text.firstRange(ofText: "line 4") == nil)
        #expect(text.contains(text: "cannot"))
        #expect(!text.contains(text: "Cannot"))
        let found = try! #require(text.firstRange(ofText: "x.py"))
        #expect(text[found] == "x.py")
        let tail = text.dropFirst(7)
        let inTail = try! #require(tail.firstRange(ofText: "open"))
        #expect(tail[inTail] == "open")
        #expect(inTail == tail.firstRange(of: "open"))
        #expect(text.contains(anyOf: ["segfault", "line 3"]))
        #expect(!text.contains(anyOf: ["segfault", "panic"]))
    }

    @Test("Whatever the text, the same answers as firstRange(of:) and contains(_:)")
    func sameAsStandardLibrary() {
        // Carriage returns (CR LF is one Character), combining marks, the Kelvin sign (canonically
        // K), and the em dash are where a byte-wise search would differ; they go to the standard library.
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab K.: —\r\n\u{301}\u{212A}é")
        let patterns = ["a", "ab", "b a", ": ", "K", "\u{212A}", "e\u{301}", "é", "\n", "\r\n", " — ", "a\u{301}", "ba."]
        var texts = ["", "a", "ab", "\r\nab", "Ka", "\u{212A}a", "e\u{301}", "a\u{301}b", "x — y"]
        for _ in 0..<400 {
            texts.append(String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        // Plain ASCII texts, where the byte-wise search is the one taken.
        let ascii = Array("ab .:K-\n\t")
        for _ in 0..<400 {
            texts.append(String((0..<Int.random(in: 0...40, using: &generator)).map { _ in ascii.randomElement(using: &generator)! }))
        }
        #expect(texts.filter { TextNormalization.isPlainASCII($0) }.count >= 400)
        for text in texts {
            #expect(text.firstTitleDash() == text.firstRange(of: " — "), "\(text.debugDescription)")
            #expect(text.contains(anyOf: patterns) == patterns.contains { text.contains($0) })
            for pattern in patterns {
                #expect(text.firstRange(ofText: pattern) == text.firstRange(of: pattern), "\(text.debugDescription) \(pattern.debugDescription)")
                #expect(text.contains(text: pattern) == text.contains(pattern), "\(text.debugDescription) \(pattern.debugDescription)")
                let sub = text.dropFirst()
                #expect(sub.firstRange(ofText: pattern) == sub.firstRange(of: pattern), "\(sub.debugDescription) \(pattern.debugDescription)")
            }
        }
    }
}
