extension ContentKind {
    /// The kind a magic number at the start of `sample` shows. `strong` signatures are
    /// unmistakable and win over any label; the others (`BM`, `MZ`, `OTTO`, …) could start
    /// a text and count only for an unlabeled body.
    static func signature(of sample: UnsafeBufferPointer<UInt8>, strong: Bool) -> ContentKind? {
        func starts(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
            guard sample.count >= offset + bytes.count else { return false }
            for (i, byte) in bytes.enumerated() where sample[offset + i] != byte { return false }
            return true
        }
        func starts(_ text: StaticString, at offset: Int = 0) -> Bool {
            let length = text.utf8CodeUnitCount
            guard sample.count >= offset + length else { return false }
            for i in 0..<length where sample[offset + i] != text.utf8Start[i] { return false }
            return true
        }
        func binary(_ mediaType: String) -> ContentKind { .binary(mediaType: mediaType) }

        guard strong else {
            if starts("BM"), sample.count >= 14, sample[6] == 0, sample[7] == 0 { return binary("image/bmp") }
            if starts("MZ") { return binary("application/x-msdownload") }
            if starts("OTTO") { return binary("font/otf") }
            if starts("MThd") { return binary("audio/midi") }
            return nil
        }
        if starts("%PDF-") { return .pdf }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return binary("image/png") }
        if starts([0xFF, 0xD8, 0xFF]) { return binary("image/jpeg") }
        if starts("GIF87a") || starts("GIF89a") { return binary("image/gif") }
        if starts("RIFF") {
            if starts("WEBP", at: 8) { return binary("image/webp") }
            if starts("WAVE", at: 8) { return binary("audio/wav") }
            if starts("AVI ", at: 8) { return binary("video/x-msvideo") }
        }
        if starts([0x00, 0x00, 0x01, 0x00]) && sample.count >= 6 && sample[5] == 0 { return binary("image/x-icon") }
        if starts("ftyp", at: 4) {
            if starts("avif", at: 8) { return binary("image/avif") }
            if starts("heic", at: 8) || starts("heix", at: 8) || starts("mif1", at: 8) { return binary("image/heic") }
            if starts("M4A ", at: 8) { return binary("audio/mp4") }
            if starts("qt  ", at: 8) { return binary("video/quicktime") }
            return binary("video/mp4")
        }
        if starts("ID3"), sample.count >= 4, sample[3] >= 2 && sample[3] <= 4 { return binary("audio/mpeg") }
        if starts([0x4F, 0x67, 0x67, 0x53, 0x00]) { return binary("audio/ogg") }
        if starts("fLaC") { return binary("audio/flac") }
        if starts([0x1A, 0x45, 0xDF, 0xA3]) { return binary("video/webm") }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return binary("application/zip") }
        if starts([0x1F, 0x8B, 0x08]) { return binary("application/gzip") }
        if starts("BZh"), sample.count >= 4, sample[3] >= 0x31 && sample[3] <= 0x39 {
            return binary("application/x-bzip2")
        }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return binary("application/x-xz") }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return binary("application/x-7z-compressed") }
        if starts([0x52, 0x61, 0x72, 0x21, 0x1A, 0x07]) { return binary("application/vnd.rar") }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return binary("application/zstd") }
        if starts("wOFF") { return binary("font/woff") }
        if starts("wOF2") { return binary("font/woff2") }
        if starts([0x00, 0x01, 0x00, 0x00, 0x00]) { return binary("font/ttf") }
        if starts([0x7F, 0x45, 0x4C, 0x46]) { return binary("application/x-executable") }
        if starts([0xCA, 0xFE, 0xBA, 0xBE]) { return binary("application/java-vm") }
        if starts([0x00, 0x61, 0x73, 0x6D]) { return binary("application/wasm") }
        if starts("SQLite format 3") { return binary("application/vnd.sqlite3") }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return binary("application/x-ole-storage") }
        if starts("%!PS") { return binary("application/postscript") }
        if starts("{\\rtf") { return binary("application/rtf") }
        return nil
    }

    /// The ASCII characters of `sample` for pattern matching: after a UTF-8 byte order mark,
    /// or, after a UTF-16 one, the low byte of each code unit below U+0080.
    static func asciiView(_ sample: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        switch TextDecoding.byteOrderMark(sample) {
        case (.utf16LE, let length)?, (.utf16BE, let length)?:
            let bigEndian = sample[0] == 0xFE
            var view: [UInt8] = []
            var i = length
            while i + 1 < sample.count {
                let (high, low) = bigEndian ? (sample[i], sample[i + 1]) : (sample[i + 1], sample[i])
                if high == 0, low < 0x80 { view.append(low) } else { view.append(0x80) }
                i += 2
            }
            return view
        case (_, let length)?:
            return Array(sample[length...])
        case nil:
            return Array(sample)
        }
    }

    /// HTML, XHTML or XML when `view` opens (after white space) like one, by the WHATWG
    /// MIME Sniffing patterns (`<!DOCTYPE HTML`, `<html`, `<head`, `<body`, `<p`, `<!--`,
    /// …, each followed by a space or `>`) and `<?xml`.
    static func sniffMarkup(_ view: [UInt8]) -> ContentKind? {
        var start = 0
        while start < view.count, isHTMLSpace(view[start]) { start += 1 }
        guard start < view.count, view[start] == UInt8(ascii: "<") else { return nil }
        func opens(_ pattern: String, terminated: Bool) -> Bool {
            let bytes = Array(pattern.utf8)
            guard view.count - start >= bytes.count else { return false }
            for (i, byte) in bytes.enumerated() where asciiLowercase(view[start + i]) != byte { return false }
            let end = start + bytes.count
            guard terminated, end < view.count else { return true }
            return isHTMLSpace(view[end]) || view[end] == UInt8(ascii: ">")
        }
        if opens("<?xml", terminated: false) {
            let rest = view[start...]
            if contains(rest, "<html") || contains(rest, "http://www.w3.org/1999/xhtml") { return .xhtml }
            return .xml
        }
        if opens("<!--", terminated: false) { return .html }
        for tag in htmlOpenings where opens(tag, terminated: true) { return .html }
        return nil
    }

    /// Whether `sample` looks like binary data: any NUL byte (outside UTF-16 with a byte
    /// order mark), or more than one byte in a hundred a control character that text never
    /// holds (0x01–0x08, 0x0B, 0x0E–0x1A, 0x1C–0x1F: not tab, newlines, form feed or escape).
    static func looksBinary(_ sample: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !sample.isEmpty else { return false }
        switch TextDecoding.byteOrderMark(sample) {
        case (.utf16LE, _)?, (.utf16BE, _)?: return false
        default: break
        }
        var controls = 0
        for byte in sample where byte < 0x20 {
            switch byte {
            case 0x00: return true
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1B: continue
            default: controls += 1
            }
        }
        return controls * 100 > sample.count
    }

    /// Whether `view` opens like a JSON object or array: `{` then `"` or `}`, or `[` then
    /// `{`, `[`, `"` or `]`, white space allowed between.
    static func looksLikeJSON(_ view: [UInt8]) -> Bool {
        var i = 0
        func skipSpace() { while i < view.count, isHTMLSpace(view[i]) { i += 1 } }
        skipSpace()
        guard i < view.count else { return false }
        let open = view[i]
        guard open == UInt8(ascii: "{") || open == UInt8(ascii: "[") else { return false }
        i += 1
        skipSpace()
        guard i < view.count else { return false }
        let next = view[i]
        if open == UInt8(ascii: "{") { return next == UInt8(ascii: "\"") || next == UInt8(ascii: "}") }
        return next == UInt8(ascii: "{") || next == UInt8(ascii: "[") || next == UInt8(ascii: "\"")
            || next == UInt8(ascii: "]")
    }
}

/// Whether `haystack` contains `needle` (lowercase ASCII), ignoring ASCII case.
private func contains(_ haystack: ArraySlice<UInt8>, _ needle: StaticString) -> Bool {
    let length = needle.utf8CodeUnitCount
    guard haystack.count >= length else { return false }
    var i = haystack.startIndex
    while i + length <= haystack.endIndex {
        var found = true
        for offset in 0..<length where asciiLowercase(haystack[i + offset]) != needle.utf8Start[offset] {
            found = false
            break
        }
        if found { return true }
        i += 1
    }
    return false
}

/// Openings of an HTML document (WHATWG MIME Sniffing), lowercased.
private let htmlOpenings = [
    "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a", "<style",
    "<title", "<b", "<body", "<br", "<p", "<meta", "<link", "<section", "<article", "<main", "<nav", "<header",
]
