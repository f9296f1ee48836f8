/// The HTML encoding prescan (after the WHATWG algorithm): walks the first bytes of a page
/// tag by tag, skipping comments, end tags, doctype and processing instructions, and the
/// attributes of every other tag, until a `<meta>` declares a charset.
struct CharsetPrescan {
    let input: UnsafeBufferPointer<UInt8>
    var index = 0

    init(input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// The label of the first `<meta charset>` or `<meta http-equiv="content-type" content>`.
    mutating func metaCharset() -> String? {
        let count = input.count
        index = 0
        while index < count {
            guard input[index] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if matches("<!--") {
                // Ends at the first `>` after `<!` that follows `--` (so `<!-->` is a whole comment).
                guard let end = find("-->", from: index + 2) else { return nil }
                index = end + 3
            } else if matchesMeta() {
                index += 5
                if let label = metaAttributes() { return label }
            } else if index + 1 < count, isASCIILetter(input[index + 1])
                || (input[index + 1] == UInt8(ascii: "/") && index + 2 < count && isASCIILetter(input[index + 2]))
            {
                index += 1
                while index < count, !isHTMLSpace(input[index]), input[index] != UInt8(ascii: ">") { index += 1 }
                while attribute() != nil {}
            } else if index + 1 < count,
                input[index + 1] == UInt8(ascii: "!") || input[index + 1] == UInt8(ascii: "/")
                    || input[index + 1] == UInt8(ascii: "?")
            {
                guard let end = findByte(UInt8(ascii: ">"), from: index + 2) else { return nil }
                index = end + 1
            } else {
                index += 1
            }
        }
        return nil
    }

    /// The `encoding` pseudo-attribute of an `<?xml … ?>` declaration starting the input.
    mutating func xmlDeclarationEncoding() -> String? {
        index = 0
        guard matches("<?xml"), input.count > 5, isHTMLSpace(input[5]) else { return nil }
        guard let end = find("?>", from: 5) else { return nil }
        let declaration = UnsafeBufferPointer(rebasing: input[5..<end])
        return Self.value(of: "encoding", in: declaration)
    }

    // MARK: Attributes

    /// Reads the attributes of a `<meta` and returns its charset, by the WHATWG rules: a
    /// `charset` attribute, or a `content` attribute with `http-equiv="content-type"`.
    mutating func metaAttributes() -> String? {
        var seen: Set<String> = []
        var gotPragma = false
        var needPragma: Bool?
        var charset: String?
        while let (name, value) = attribute() {
            guard seen.insert(name).inserted else { continue }
            switch name {
            case "http-equiv":
                if asciiLowercased(value) == "content-type" { gotPragma = true }
            case "content":
                if charset == nil, let found = Self.value(of: "charset", in: value) {
                    charset = found
                    needPragma = true
                }
            case "charset":
                if charset == nil {
                    charset = String(decoding: value, as: UTF8.self)
                    needPragma = false
                }
            default:
                break
            }
        }
        guard let needPragma, let charset else { return nil }
        if needPragma && !gotPragma { return nil }
        return charset.isEmpty ? nil : charset
    }

    /// Reads one attribute at `index` (lowercased name, raw value); `nil` at the tag's end.
    mutating func attribute() -> (String, [UInt8])? {
        let count = input.count
        while index < count, isHTMLSpace(input[index]) || input[index] == UInt8(ascii: "/") { index += 1 }
        guard index < count, input[index] != UInt8(ascii: ">") else {
            index += 1
            return nil
        }
        var name: [UInt8] = []
        // The first character of a name may be `=`.
        repeat {
            name.append(asciiLowercase(input[index]))
            index += 1
        } while index < count && !isHTMLSpace(input[index]) && input[index] != UInt8(ascii: "=")
            && input[index] != UInt8(ascii: "/") && input[index] != UInt8(ascii: ">")
        while index < count, isHTMLSpace(input[index]) { index += 1 }
        guard index < count, input[index] == UInt8(ascii: "=") else {
            return (String(decoding: name, as: UTF8.self), [])
        }
        index += 1
        while index < count, isHTMLSpace(input[index]) { index += 1 }
        var value: [UInt8] = []
        if index < count, input[index] == UInt8(ascii: "\"") || input[index] == UInt8(ascii: "'") {
            let quote = input[index]
            index += 1
            while index < count, input[index] != quote {
                value.append(input[index])
                index += 1
            }
            index += 1
        } else {
            while index < count, !isHTMLSpace(input[index]), input[index] != UInt8(ascii: ">") {
                value.append(input[index])
                index += 1
            }
        }
        return (String(decoding: name, as: UTF8.self), value)
    }

    /// The value after `name` `=` in `text`, quoted or up to white space or `;` (the WHATWG
    /// "extract a character encoding from a meta element" algorithm, also used for the XML
    /// declaration); `nil` when absent or when a quote is not closed.
    static func value(of name: String, in text: some Collection<UInt8>) -> String? {
        let bytes = Array(text)
        let key = Array(name.utf8)
        let count = bytes.count
        var position = 0
        while position + key.count <= count {
            var found = true
            for offset in 0..<key.count where asciiLowercase(bytes[position + offset]) != key[offset] {
                found = false
                break
            }
            guard found else {
                position += 1
                continue
            }
            var i = position + key.count
            while i < count, isHTMLSpace(bytes[i]) { i += 1 }
            guard i < count, bytes[i] == UInt8(ascii: "=") else {
                position += key.count
                continue
            }
            i += 1
            while i < count, isHTMLSpace(bytes[i]) { i += 1 }
            guard i < count else { return nil }
            if bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") {
                let quote = bytes[i]
                guard let end = bytes[(i + 1)...].firstIndex(of: quote) else { return nil }
                return String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
            }
            var end = i
            while end < count, !isHTMLSpace(bytes[end]), bytes[end] != UInt8(ascii: ";") { end += 1 }
            return end > i ? String(decoding: bytes[i..<end], as: UTF8.self) : nil
        }
        return nil
    }

    // MARK: Bytes

    func matches(_ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index + length <= input.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<length where asciiLowercase(input[index + offset]) != bytes[offset] {
            return false
        }
        return true
    }

    /// Whether `<meta` followed by white space or `/` starts at `index`.
    func matchesMeta() -> Bool {
        guard matches("<meta"), index + 5 < input.count else { return false }
        let next = input[index + 5]
        return isHTMLSpace(next) || next == UInt8(ascii: "/")
    }

    func find(_ literal: StaticString, from start: Int) -> Int? {
        let length = literal.utf8CodeUnitCount
        let bytes = literal.utf8Start
        var i = start
        while i + length <= input.count {
            var found = true
            for offset in 0..<length where input[i + offset] != bytes[offset] {
                found = false
                break
            }
            if found { return i }
            i += 1
        }
        return nil
    }

    func findByte(_ byte: UInt8, from start: Int) -> Int? {
        var i = start
        while i < input.count {
            if input[i] == byte { return i }
            i += 1
        }
        return nil
    }
}

/// HTML white space: space, tab, LF, FF, CR.
func isHTMLSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D
}

/// A–Z or a–z.
func isASCIILetter(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A)
}

/// `bytes` as a string with A–Z lowercased.
func asciiLowercased(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.map(asciiLowercase), as: UTF8.self)
}
