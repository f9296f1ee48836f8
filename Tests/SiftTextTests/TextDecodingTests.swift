import SiftText
import Testing

@Suite("TextEncoding: labels and hand-written decoders")
struct TextEncodingTests {
    @Test(
        "labels are normalized and mapped the WHATWG way",
        arguments: [
            ("utf-8", TextEncoding.utf8), ("UTF8", .utf8), ("  Utf-8\t", .utf8), ("unicode-1-1-utf-8", .utf8),
            ("\"utf-8\"", .utf8), ("x-unicode20utf8", .utf8),
            ("windows-1252", .windows1252), ("cp1252", .windows1252), ("x-cp1252", .windows1252),
            ("ISO-8859-1", .windows1252), ("latin1", .windows1252), ("l1", .windows1252), ("ascii", .windows1252),
            ("US-ASCII", .windows1252), ("iso_8859-1:1987", .windows1252),
            ("iso-8859-15", .iso8859_15), ("ISO8859-15", .iso8859_15), ("l9", .iso8859_15),
            ("csisolatin9", .iso8859_15),
            ("utf-16", .utf16LE), ("UTF-16LE", .utf16LE), ("unicode", .utf16LE), ("utf-16be", .utf16BE),
        ])
    func labels(_ label: String, _ expected: TextEncoding) {
        #expect(TextEncoding(label: label) == expected)
    }

    @Test("labels of encodings not decoded here, and junk, name nothing",
        arguments: ["shift_jis", "gb2312", "koi8-r", "windows-1251", "iso-8859-2", "euc-jp", "", "none", "utf-7", "latin9"])
    func unknownLabels(_ label: String) {
        #expect(TextEncoding(label: label) == nil)
    }

    @Test("windows-1252 decodes 0x80-0x9F by its table and the rest as Latin-1")
    func windows1252() {
        let decoded = TextEncoding.windows1252.decode([0x80, 0x82, 0x85, 0x8A, 0x8C, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9F])
        #expect(decoded == "€‚…ŠŒ‘’“”–—™Ÿ")
        // The five bytes Microsoft leaves undefined become the C1 controls of the same value.
        let undefined = TextEncoding.windows1252.decode([0x81, 0x8D, 0x8F, 0x90, 0x9D])
        #expect(undefined.unicodeScalars.map(\.value) == [0x81, 0x8D, 0x8F, 0x90, 0x9D])
        let upper = TextEncoding.windows1252.decode(Array(0xA0...0xFF))
        #expect(upper.unicodeScalars.map(\.value) == Array(0xA0...0xFF))
        #expect(TextEncoding.windows1252.decode(Array("plain ASCII\n".utf8)) == "plain ASCII\n")
        #expect(TextEncoding.windows1252.decode([0x63, 0x61, 0x66, 0xE9]) == "café")
    }

    @Test("ISO-8859-15 differs from Latin-1 in eight code points and keeps C1 controls")
    func iso8859_15() {
        let decoded = TextEncoding.iso8859_15.decode([0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE])
        #expect(decoded == "€ŠšŽžŒœŸ")
        #expect(TextEncoding.iso8859_15.decode([0xE9, 0xA3, 0xA7]) == "é£§")
        #expect(TextEncoding.iso8859_15.decode([0x80]).unicodeScalars.first?.value == 0x80)
    }

    @Test("UTF-8 replaces each maximal invalid subpart with U+FFFD")
    func utf8Invalid() {
        #expect(TextEncoding.utf8.decode([0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        // A truncated sequence is one replacement, even at the end of the input.
        #expect(TextEncoding.utf8.decode([0x61, 0xE2, 0x82, 0x62]) == "a\u{FFFD}b")
        #expect(TextEncoding.utf8.decode([0x61, 0xE2, 0x82]) == "a\u{FFFD}")
        // Overlong forms and surrogates are never valid: one replacement per byte.
        #expect(TextEncoding.utf8.decode([0xC0, 0x80]) == "\u{FFFD}\u{FFFD}")
        #expect(TextEncoding.utf8.decode([0xED, 0xA0, 0x80]) == "\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(TextEncoding.utf8.decode(Array("naïve 😀".utf8)) == "naïve 😀")
    }

    @Test("UTF-16 pairs surrogates in both byte orders and replaces broken ones")
    func utf16() {
        #expect(TextEncoding.utf16LE.decode([0x68, 0x00, 0xE9, 0x00, 0x3D, 0xD8, 0x00, 0xDE]) == "hé😀")
        #expect(TextEncoding.utf16BE.decode([0x00, 0x68, 0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00]) == "hé😀")
        // A lead surrogate without a trail, a lone trail, and an odd last byte.
        #expect(TextEncoding.utf16LE.decode([0x3D, 0xD8, 0x41, 0x00]) == "\u{FFFD}A")
        #expect(TextEncoding.utf16LE.decode([0x00, 0xDE, 0x41, 0x00]) == "\u{FFFD}A")
        #expect(TextEncoding.utf16LE.decode([0x41, 0x00, 0x42]) == "A\u{FFFD}")
        #expect(TextEncoding.utf16BE.decode([0xD8, 0x3D]) == "\u{FFFD}")
        #expect(TextEncoding.utf16BE.decode([]) == "")
    }
}

@Suite("TextDecoding: choosing the encoding of a fetched body")
struct TextDecodingTests {
    /// "café €" in windows-1252.
    let cafe1252: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x20, 0x80]

    @Test("a byte order mark wins over the header and is dropped")
    func byteOrderMark() {
        let utf8 = TextDecoding.decode([0xEF, 0xBB, 0xBF] + Array("café".utf8), contentType: "text/html; charset=windows-1252", isHTML: true)
        #expect(utf8 == DecodedText(text: "café", encoding: .utf8, source: .byteOrderMark, label: nil, isLabelSupported: true))
        let le = TextDecoding.decode([0xFF, 0xFE, 0x68, 0x00, 0x69, 0x00], contentType: nil, isHTML: false)
        #expect(le.text == "hi")
        #expect(le.encoding == .utf16LE)
        let be = TextDecoding.decode([0xFE, 0xFF, 0x00, 0x68, 0x00, 0x69], contentType: "text/plain; charset=utf-8", isHTML: false)
        #expect(be.text == "hi")
        #expect(be.encoding == .utf16BE)
        #expect(be.source == .byteOrderMark)
    }

    @Test("the header's charset comes next, in any spelling")
    func header() {
        for contentType in [
            "text/html; charset=ISO-8859-1", "text/html;charset=\"iso-8859-1\"", "text/html; Charset = latin1",
            "text/html; foo=bar; charset=cp1252", "TEXT/HTML; CHARSET='windows-1252'",
        ] {
            let decoded = TextDecoding.decode(cafe1252, contentType: contentType, isHTML: true)
            #expect(decoded.text == "café €", "\(contentType)")
            #expect(decoded.encoding == .windows1252, "\(contentType)")
            #expect(decoded.source == .contentType, "\(contentType)")
            #expect(decoded.isLabelSupported)
        }
        let labelled = TextDecoding.decode(cafe1252, contentType: "text/html; charset=ISO-8859-1", isHTML: true)
        #expect(labelled.label == "iso-8859-1")
        // An empty charset is no declaration.
        #expect(TextDecoding.decode(Array("ok".utf8), contentType: "text/html; charset=", isHTML: false).source == .validUTF8)
        #expect(TextDecoding.charset(inContentType: "text/html; charset=\"UTF-8\"") == "UTF-8")
        #expect(TextDecoding.charset(inContentType: "text/html") == nil)
        #expect(TextDecoding.charset(inContentType: nil) == nil)
    }

    @Test("the header wins over the document's meta")
    func headerBeatsMeta() {
        let html = Array("<meta charset=\"iso-8859-15\"><p>".utf8) + [0xA4]
        let decoded = TextDecoding.decode(html, contentType: "text/html; charset=windows-1252", isHTML: true)
        #expect(decoded.text.hasSuffix("¤"))
        #expect(decoded.source == .contentType)
        let fromMeta = TextDecoding.decode(html, contentType: "text/html", isHTML: true)
        #expect(fromMeta.text.hasSuffix("€"))
        #expect(fromMeta.source == .document)
        #expect(fromMeta.label == "iso-8859-15")
    }

    @Test(
        "finds <meta> charsets in their usual spellings",
        arguments: [
            "<meta charset=\"windows-1252\">", "<META CHARSET=windows-1252>", "<meta charset='latin1' />",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\">",
            "<META HTTP-EQUIV=content-type CONTENT='text/html;charset=cp1252'>",
            "<meta content=\"text/html; charset = latin1\" http-equiv=\"content-type\">",
            "<meta name=viewport content=\"width=device-width\"><meta charset=cp1252>",
            "<!-- <meta charset=utf-8> --><meta charset=cp1252>",
            "<div title=\"<meta charset=utf-8>\"></div><meta charset=cp1252>",
            "<!DOCTYPE html><html lang=en><head>\n  <meta\ncharset=\"cp1252\">",
        ])
    func metaSpellings(_ head: String) {
        let decoded = TextDecoding.decode(Array(head.utf8) + cafe1252, contentType: "text/html", isHTML: true)
        #expect(decoded.encoding == .windows1252, "\(head)")
        #expect(decoded.source == .document, "\(head)")
        #expect(decoded.text.hasSuffix("café €"), "\(head)")
    }

    @Test(
        "ignores what is not a charset declaration",
        arguments: [
            // `content` without `http-equiv`, and `http-equiv` for something else.
            "<meta content=\"text/html; charset=cp1252\">",
            "<meta http-equiv=refresh content=\"5; charset=cp1252\">",
            "<!-- <meta charset=cp1252> -->",
            "<metaphor charset=cp1252>",
            "<p>charset=cp1252</p>",
            "<meta charset=\"\">",
        ])
    func notDeclarations(_ head: String) {
        let decoded = TextDecoding.decode(Array(head.utf8) + cafe1252, contentType: nil, isHTML: true)
        #expect(decoded.source == .fallback, "\(head)")
    }

    @Test("looks for <meta> only in the first 4 KiB of HTML")
    func prescanLimit() {
        let padding = Array(repeating: UInt8(ascii: " "), count: TextDecoding.prescanLimit)
        let late = TextDecoding.decode(padding + Array("<meta charset=cp1252>".utf8) + cafe1252, contentType: nil, isHTML: true)
        #expect(late.source == .fallback)
        let notHTML = TextDecoding.decode(Array("<meta charset=iso-8859-15>".utf8) + [0xA4], contentType: nil, isHTML: false)
        #expect(notHTML.source == .fallback)
        #expect(notHTML.text.hasSuffix("¤"))
    }

    @Test("a <meta> that says UTF-16 means UTF-8, and an XML declaration counts when there is no <meta>")
    func metaSpecialCases() {
        let utf16 = TextDecoding.decode(Array("<meta charset=utf-16><p>é".utf8), contentType: nil, isHTML: true)
        #expect(utf16.encoding == .utf8)
        #expect(utf16.text == "<meta charset=utf-16><p>é")
        let xml = TextDecoding.decode(
            Array("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<html>".utf8) + [0xA4], contentType: "application/xhtml+xml",
            isHTML: true)
        #expect(xml.encoding == .iso8859_15)
        #expect(xml.text.hasSuffix("<html>€"))
        #expect(TextDecoding.documentCharset(Array("<?xml version='1.0' encoding='utf-8'?>".utf8)) == "utf-8")
        #expect(TextDecoding.documentCharset(Array("<html><head><title>x</title></head>".utf8)) == nil)
    }

    @Test("without a declaration: UTF-8 when valid, else windows-1252")
    func sniffed() {
        let valid = TextDecoding.decode(Array("naïve café 😀".utf8), contentType: "text/plain", isHTML: false)
        #expect(valid == DecodedText(text: "naïve café 😀", encoding: .utf8, source: .validUTF8, label: nil, isLabelSupported: true))
        let latin = TextDecoding.decode(cafe1252, contentType: nil, isHTML: true)
        #expect(latin == DecodedText(text: "café €", encoding: .windows1252, source: .fallback, label: nil, isLabelSupported: true))
        #expect(TextDecoding.decode([], contentType: nil, isHTML: true).text == "")
    }

    @Test("a label not understood gives lossy UTF-8 and says so")
    func unsupportedLabel() {
        let shiftJIS: [UInt8] = [0x93, 0xFA, 0x96, 0x7B, 0x20, 0x4A, 0x61, 0x70, 0x61, 0x6E]
        let decoded = TextDecoding.decode(shiftJIS, contentType: "text/html; charset=Shift_JIS", isHTML: true)
        #expect(decoded.label == "shift_jis")
        #expect(!decoded.isLabelSupported)
        #expect(decoded.encoding == .utf8)
        #expect(decoded.text.hasSuffix(" Japan"))
        #expect(decoded.text.contains("\u{FFFD}"))
        let meta = TextDecoding.decode(Array("<meta charset=gb2312>ok".utf8), contentType: nil, isHTML: true)
        #expect(meta.label == "gb2312")
        #expect(meta.source == .document)
        #expect(!meta.isLabelSupported)
    }

    @Test("decodes a large windows-1252 page and a large UTF-8 page")
    func largeBodies() {
        let line: [UInt8] = Array("The caf".utf8) + [0xE9] + Array(" served \u{22}".utf8) + [0x93, 0x94, 0x0A]
        var body: [UInt8] = []
        for _ in 0..<100_000 { body += line }
        let decoded = TextDecoding.decode(body, contentType: nil, isHTML: false)
        #expect(decoded.source == .fallback)
        #expect(decoded.text.utf8.count == 100_000 * (line.count + 1 + 2 + 2))
        let utf8 = Array(String(repeating: "Grüße aus Köln — 😀\n", count: 100_000).utf8)
        let valid = TextDecoding.decode(utf8, contentType: nil, isHTML: false)
        #expect(valid.source == .validUTF8)
        #expect(valid.text.utf8.count == utf8.count)
    }
}
