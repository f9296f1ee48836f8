import SiftCore
import SiftText

/// HTML main-text extraction: blocks are non-empty valid UTF-8, the title has no runs of
/// spaces, and the same bytes give the same document.
func fuzzHTML(_ bytes: [UInt8]) {
    let extractor = HTMLTextExtractor(maxPreformattedBytes: 256)
    let document = extractor.extract(bytes)
    for block in document.blocks {
        if block.text.isEmpty { violated("an empty block") }
        if !isValidUTF8(block.text) { violated("a block that is not valid UTF-8") }
    }
    if !isValidUTF8(document.title) { violated("a title that is not valid UTF-8") }
    if document.title.contains("  ") || document.title.hasPrefix(" ") || document.title.hasSuffix(" ") {
        violated("a title that is not collapsed: \(document.title.debugDescription)")
    }
    if extractor.extract(bytes) != document { violated("two extractions of the same bytes differ") }
}

/// Charset choice and decoding (BOM, Content-Type, the `<meta>`/XML prescan, UTF-8, windows-1252).
/// The first line (when short) is the Content-Type header; a first byte that is odd turns
/// the HTML prescan on. The text is valid UTF-8; a body taken as valid UTF-8 is kept byte
/// for byte; a label from the document was found within the prescan's limit.
func fuzzCharset(_ bytes: [UInt8]) {
    let contentType: String?
    var body: [UInt8]
    if let (header, rest) = headerAndBody(bytes) {
        contentType = String(decoding: header, as: UTF8.self)
        body = rest
    } else {
        contentType = nil
        body = bytes
    }
    let isHTML = (bytes.first ?? 0) & 1 == 1
    if isHTML, !body.isEmpty { body.removeFirst() }
    let decoded = TextDecoding.decode(body, contentType: contentType, isHTML: isHTML)
    if !isValidUTF8(decoded.text) { violated("decoded text that is not valid UTF-8") }
    switch decoded.source {
    case .validUTF8:
        if !decoded.text.utf8.elementsEqual(body) { violated("valid UTF-8 not kept as it was") }
    case .document:
        if !isHTML, decoded.label != nil, !body.starts(with: Array("<?xml".utf8)) {
            violated("a document label read from a body that is neither HTML nor XML")
        }
    case .byteOrderMark, .contentType, .fallback:
        break
    }
    if let label = decoded.label, label.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
        violated("a label not lowercased: \(label)")
    }
    if TextDecoding.decode(body, contentType: contentType, isHTML: isHTML) != decoded {
        violated("two decodings of the same bytes differ")
    }
}

/// Query analysis of the bytes of `q`: a typed `QueryError` or an analyzed query whose
/// normalized text is non-empty, and the same analysis for the same text given as a String.
func fuzzQuery(_ bytes: [UInt8]) {
    let analyzer = QueryAnalyzer(maxLength: 400)
    let analyzed: AnalyzedQuery
    do {
        analyzed = try analyzer.analyze(bytes: bytes)
    } catch {
        return
    }
    if analyzed.normalized.isEmpty { violated("an analyzed query with empty normalized text") }
    if !isValidUTF8(analyzed.normalized) { violated("normalized text that is not valid UTF-8") }
    if let again = try? analyzer.analyze(analyzed.original), again != analyzed {
        violated("analyzing the original text again gives another analysis")
    }
}

/// URL normalization: the fusion key of an http(s) URL is a fixed point (the key, given
/// its scheme back, has the same key), and the small URL facts do not trap.
func fuzzURL(_ bytes: [UInt8]) {
    let url = String(decoding: bytes, as: UTF8.self)
    let key = URLNormalizer.fusionKey(url)
    if !isValidUTF8(key) { violated("a key that is not valid UTF-8") }
    _ = URLNormalizer.host(of: url)
    _ = URLNormalizer.site(of: url)
    // A host is not escaped: one with spaces or controls (no real URL's) is left out, as the
    // trimming of a URL's ends would shorten its key.
    let plain = key.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
    // So is a URL without `//` (`https::::/x`), which browsers read leniently and engines never return.
    let lower = url.lowercased()
    let authority = lower.hasPrefix("http://") || lower.hasPrefix("https://")
    if URLNormalizer.isHTTP(url), authority, plain, !key.contains("://"), !key.isEmpty {
        // The key has no scheme; the default port it dropped (or kept) is the original scheme's.
        let again = URLNormalizer.fusionKey("https://" + key)
        if again != key, URLNormalizer.fusionKey("http://" + key) != key { violated("fusion key not idempotent: \(url.debugDescription) -> \(key.debugDescription) -> \(again.debugDescription)") }
    }
}

/// The config file: a typed parse error, or values that, written back as double-quoted
/// strings, parse to the same values.
func fuzzConfig(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let file = try? ConfigFile(parsing: text) else { return }
    var written = ""
    for (key, value) in file.values.sorted(by: { $0.key < $1.key }) {
        var quoted = ""
        for character in value {
            switch character {
            case "\\": quoted += "\\\\"
            case "\"": quoted += "\\\""
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default: quoted.append(character)
            }
        }
        written += "\(key) = \"\(quoted)\"\n"
    }
    let reparsed: ConfigFile
    do {
        reparsed = try ConfigFile(parsing: written)
    } catch {
        violated("values written back do not parse: \(error) in \(written.debugDescription)")
    }
    if reparsed != file { violated("values written back parse differently: \(written.debugDescription)") }
}

/// `Last-Event-ID`: the first line is the header (absent when empty), the rest the query
/// parameter's bytes. A typed error, or a number that reads back as itself.
func fuzzLastEventID(_ bytes: [UInt8]) {
    let split = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
    let headerBytes = bytes[..<split]
    let header = headerBytes.isEmpty ? nil : String(decoding: headerBytes, as: UTF8.self)
    let parameter = split == bytes.endIndex ? nil : Array(bytes[(split + 1)...])
    guard let number = try? LastEventID.parse(header: header, parameter: parameter) else { return }
    if number < 0 { violated("a negative event id \(number)") }
    if (try? LastEventID.parse(header: String(number), parameter: nil)) != number {
        violated("event id \(number) does not read back")
    }
}
