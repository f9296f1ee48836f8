import SiftText
import Testing

@Suite("ContentKind: classifying fetched bodies")
struct ContentKindTests {
    @Test func aLabelAloneDecidesOnlyWhenItSaysSomething() {
        #expect(ContentKind(label: "image/png") == .binary(mediaType: "image/png"))
        #expect(ContentKind(label: "application/pdf") == .pdf)
        #expect(ContentKind(label: "text/html; charset=utf-8") == .html)
        #expect(ContentKind(label: "text/plain") == .plainText)
        #expect(ContentKind(label: "application/octet-stream") == nil)
        #expect(ContentKind(label: nil) == nil)
        #expect(ContentKind(label: "") == nil)
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]
    static let html = Array("<!DOCTYPE html>\n<html><head><title>t</title></head><body><p>Hello</p></body></html>".utf8)

    @Test(
        "trusts text labels",
        arguments: [
            ("text/html; charset=utf-8", ContentKind.html), ("TEXT/HTML", .html), ("application/xhtml+xml", .xhtml),
            ("text/plain", .plainText), ("text/markdown; charset=utf-8", .markdown), ("text/x-markdown", .markdown),
            ("application/json", .json), ("application/ld+json", .json), ("application/vnd.api+json", .json),
            ("text/xml", .xml), ("application/rss+xml", .xml), ("application/atom+xml", .xml),
            ("text/css", .plainText), ("text/csv", .plainText), ("application/javascript", .plainText),
            ("application/x-yaml", .plainText),
        ])
    func textLabels(_ contentType: String, _ expected: ContentKind) {
        let kind = ContentKind(contentType: contentType, prefix: Array("just some words of text\n".utf8))
        #expect(kind == expected)
        #expect(kind.isText)
        #expect(kind.skipReason == nil)
    }

    @Test("classifies binary labels, with a reason to skip")
    func binaryLabels() {
        let cases: [(String, String)] = [
            ("image/png", "image/png"), ("image/svg+xml", "image/svg+xml"), ("audio/mpeg", "audio/mpeg"),
            ("video/mp4", "video/mp4"), ("font/woff2", "font/woff2"), ("application/zip", "application/zip"),
            ("application/msword", "application/msword"),
        ]
        for (contentType, mediaType) in cases {
            let kind = ContentKind(contentType: contentType, prefix: [0x01, 0x02, 0x03, 0x04])
            #expect(kind == .binary(mediaType: mediaType))
            #expect(!kind.isText)
            #expect(kind.skipReason == "binary content (\(mediaType))")
        }
        let pdf = ContentKind(contentType: "application/pdf", prefix: Array("%PDF-1.7\n".utf8))
        #expect(pdf == .pdf)
        #expect(pdf.skipReason == "PDF documents are not read yet")
        #expect(pdf.mediaType == "application/pdf")
    }

    @Test("magic numbers win over any label")
    func magicWins() {
        #expect(ContentKind(contentType: "application/octet-stream", prefix: Array("%PDF-1.4\n%âãÏÓ".utf8)) == .pdf)
        #expect(ContentKind(contentType: "text/html", prefix: Array("%PDF-1.4".utf8)) == .pdf)
        #expect(ContentKind(contentType: "text/html", prefix: Self.png) == .binary(mediaType: "image/png"))
        #expect(ContentKind(contentType: "text/html", prefix: [0x1F, 0x8B, 0x08, 0x00, 0x00]) == .binary(mediaType: "application/gzip"))
        #expect(ContentKind(contentType: "text/plain", prefix: Array("PK\u{03}\u{04}\u{14}\u{00}".utf8)) == .binary(mediaType: "application/zip"))
    }

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let magicCases: [(bytes: [UInt8], mediaType: String)] = [
        (bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10], "image/jpeg"),
        (bytes: ascii("GIF89a\u{01}\u{00}"), "image/gif"),
        (bytes: ascii("RIFF\u{00}\u{00}\u{00}\u{00}WEBPVP8 "), "image/webp"),
        (bytes: ascii("RIFF\u{00}\u{00}\u{00}\u{00}WAVEfmt "), "audio/wav"),
        (bytes: [0x00, 0x00, 0x00, 0x20] + ascii("ftypisom"), "video/mp4"),
        (bytes: [0x00, 0x00, 0x00, 0x1C] + ascii("ftypavif"), "image/avif"),
        (bytes: ascii("ID3") + [0x04, 0x00, 0x00], "audio/mpeg"),
        (bytes: ascii("OggS") + [0x00, 0x02], "audio/ogg"),
        (bytes: [0x1A, 0x45, 0xDF, 0xA3, 0x9F], "video/webm"),
        (bytes: [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00], "application/zip"),
        (bytes: [0x1F, 0x8B, 0x08, 0x00], "application/gzip"),
        (bytes: ascii("BZh9") + [0x31, 0x41], "application/x-bzip2"),
        (bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "application/x-xz"),
        (bytes: [0x28, 0xB5, 0x2F, 0xFD, 0x00], "application/zstd"),
        (bytes: ascii("wOF2") + [0x00, 0x01], "font/woff2"),
        (bytes: [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01], "application/x-executable"),
        (bytes: [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00], "application/wasm"),
        (bytes: ascii("SQLite format 3") + [0x00], "application/vnd.sqlite3"),
        (bytes: ascii("MZ") + [0x90, 0x00, 0x03], "application/x-msdownload"),
        (bytes: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06], "application/octet-stream"),
    ]

    @Test("sniffs magic numbers in unlabeled bodies", arguments: magicCases)
    func unlabeledMagic(_ bytes: [UInt8], _ mediaType: String) {
        #expect(ContentKind(contentType: nil, prefix: bytes) == .binary(mediaType: mediaType))
        #expect(ContentKind(contentType: "application/octet-stream", prefix: bytes) == .binary(mediaType: mediaType))
    }

    @Test(
        "sniffs markup, JSON and text in unlabeled bodies",
        arguments: [
            ("<!DOCTYPE html><html>", ContentKind.html), ("\n\n  <html lang=\"en\">", .html), ("<HEAD><TITLE>", .html),
            ("<!-- generated --><div>", .html), ("<p>Hello</p>", .html), ("<body>", .html), ("<table>\n<tr>", .html),
            ("<?xml version=\"1.0\"?>\n<rss version=\"2.0\">", .xml),
            ("<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">", .xhtml),
            ("{\"results\": []}", .json), ("[ {\"a\": 1} ]", .json), ("[]", .json), ("{}", .json),
            ("Just a plain note.\nSecond line.", .plainText), ("[1] A footnote", .plainText), ("<3 you", .plainText),
            ("<pre-formatted> is not a tag", .plainText), ("", .plainText),
        ])
    func unlabeledText(_ text: String, _ expected: ContentKind) {
        #expect(ContentKind(contentType: nil, prefix: Array(text.utf8)) == expected)
        #expect(ContentKind(contentType: "unknown/unknown", prefix: Array(text.utf8)) == expected)
    }

    @Test("sniffs through a byte order mark, UTF-16 included")
    func byteOrderMarks() {
        #expect(ContentKind(contentType: nil, prefix: [0xEF, 0xBB, 0xBF] + Array("<html>".utf8)) == .html)
        let utf16LE: [UInt8] = [0xFF, 0xFE] + Array("<html>".utf8).flatMap { [$0, 0x00] }
        #expect(ContentKind(contentType: nil, prefix: utf16LE) == .html)
        let utf16BE: [UInt8] = [0xFE, 0xFF] + Array("Plain text".utf8).flatMap { [0x00, $0] }
        #expect(ContentKind(contentType: nil, prefix: utf16BE) == .plainText)
        // NUL bytes are fine in UTF-16 labelled text too.
        #expect(ContentKind(contentType: "text/plain", prefix: utf16BE) == .plainText)
    }

    @Test("text/plain that holds binary data is binary (the Apache bug)")
    func apacheBug() {
        var bytes = Array("looks like text".utf8)
        bytes.append(0x00)
        #expect(ContentKind(contentType: "text/plain", prefix: bytes) == .binary(mediaType: "application/octet-stream"))
        var controls = Array(repeating: UInt8(ascii: "a"), count: 100)
        controls[10] = 0x01
        controls[50] = 0x02
        #expect(ContentKind(contentType: "text/plain", prefix: controls) == .binary(mediaType: "application/octet-stream"))
        // Tabs, newlines, form feeds and escapes (terminal colours) are text; so is one stray control in a long text.
        var text = Array("col\tcol\r\n\u{0C}\u{1B}[1mbold\u{1B}[0m\n".utf8)
        text += Array(repeating: UInt8(ascii: "x"), count: 200)
        text.append(0x1A)
        #expect(ContentKind(contentType: "text/plain", prefix: text) == .plainText)
        #expect(ContentKind(contentType: nil, prefix: text) == .plainText)
    }

    @Test("HTML mislabelled as an unknown application type is still HTML")
    func mislabelledHTML() {
        #expect(ContentKind(contentType: "application/x-httpd-php", prefix: Self.html) == .html)
        #expect(ContentKind(contentType: "application/x-httpd-php", prefix: Array("binary?".utf8)) == .binary(mediaType: "application/x-httpd-php"))
        #expect(ContentKind(contentType: "nonsense", prefix: Self.html) == .html)
        #expect(ContentKind(contentType: "", prefix: Self.html) == .html)
    }

    @Test("reports media types and which kinds are HTML")
    func properties() {
        #expect(ContentKind.html.mediaType == "text/html")
        #expect(ContentKind.xhtml.mediaType == "application/xhtml+xml")
        #expect(ContentKind.markdown.mediaType == "text/markdown")
        #expect(ContentKind.binary(mediaType: "image/png").mediaType == "image/png")
        #expect(ContentKind.html.isHTML && ContentKind.xhtml.isHTML)
        #expect(!ContentKind.plainText.isHTML && !ContentKind.xml.isHTML && !ContentKind.pdf.isHTML)
    }

    @Test("looks at no more than the sniff limit")
    func sniffLimit() {
        var bytes = Array(repeating: UInt8(ascii: "a"), count: ContentKind.sniffLimit)
        bytes.append(0x00)
        #expect(ContentKind(contentType: nil, prefix: bytes) == .plainText)
    }
}
