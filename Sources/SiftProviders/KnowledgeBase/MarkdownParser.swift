import SiftText

/// Turns Markdown and plain text files into a ``ReadableDocument``.
///
/// Markdown support covers what notes and READMEs use: ATX (`#`) and setext (`===`)
/// headings, paragraphs, list items, block quotes, fenced and indented code, and inline
/// markup (emphasis, code spans, links and images keep their text). HTML blocks are kept
/// as text with their tags removed. YAML front matter is skipped.
enum MarkdownParser {
    /// Parses Markdown `source`.
    static func markdown(_ source: String) -> ReadableDocument {
        var blocks: [ReadableDocument.Block] = []
        var paragraph: [Substring] = []
        var paragraphKind: ReadableDocument.Block.Kind = .paragraph
        var fence: Substring?
        var code: [Substring] = []
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }

        // YAML front matter.
        if lines.first == "---", let close = lines.dropFirst().firstIndex(where: { $0 == "---" || $0 == "..." }) {
            lines.removeSubrange(0...close)
        }

        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            let text = inline(paragraph.joined(separator: " "))
            if !text.isEmpty { blocks.append(.init(kind: paragraphKind, text: text)) }
            paragraph.removeAll()
            paragraphKind = .paragraph
        }

        func flushCode() {
            var body = code
            while body.first?.allSatisfy({ $0 == " " }) == true { body.removeFirst() }
            while body.last?.allSatisfy({ $0 == " " }) == true { body.removeLast() }
            if !body.isEmpty { blocks.append(.init(kind: .preformatted, text: body.joined(separator: "\n"))) }
            code.removeAll()
        }

        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            let trimmed = line.drop(while: { $0 == " " })
            if let open = fence {
                if trimmed.hasPrefix(open) && trimmed.allSatisfy({ $0 == open.first }) {
                    flushCode()
                    fence = nil
                } else {
                    code.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                flushParagraph()
                let marker = trimmed.first!
                fence = trimmed.prefix(while: { $0 == marker })
                continue
            }
            if trimmed.isEmpty {
                flushParagraph()
                continue
            }
            let indent = line.count - trimmed.count
            if indent >= 4, paragraph.isEmpty {
                // Indented code: gather the following indented or blank lines.
                code.append(line.dropFirst(4))
                while index < lines.count,
                    lines[index].hasPrefix("    ") || lines[index].allSatisfy({ $0 == " " })
                {
                    code.append(lines[index].dropFirst(min(4, lines[index].count)))
                    index += 1
                }
                flushCode()
                continue
            }
            if trimmed.hasPrefix("#") {
                let level = trimmed.prefix(while: { $0 == "#" }).count
                let rest = trimmed.dropFirst(level)
                if level <= 6, rest.isEmpty || rest.first == " " {
                    flushParagraph()
                    var text = rest.trimmingSpaces()
                    while text.hasSuffix("#") { text = String(text.dropLast()) }
                    let heading = inline(text.trimmingSpaces())
                    if !heading.isEmpty { blocks.append(.init(kind: .heading(level: level), text: heading)) }
                    continue
                }
            }
            // Setext headings underline the paragraph line above.
            if !paragraph.isEmpty, trimmed.allSatisfy({ $0 == "=" }) || trimmed.allSatisfy({ $0 == "-" }),
                trimmed.count >= 2
            {
                let level = trimmed.first == "=" ? 1 : 2
                let text = inline(paragraph.joined(separator: " "))
                paragraph.removeAll()
                if !text.isEmpty { blocks.append(.init(kind: .heading(level: level), text: text)) }
                continue
            }
            if trimmed.allSatisfy({ $0 == "-" || $0 == "*" || $0 == "_" || $0 == " " }), trimmed.count >= 3 {
                flushParagraph()  // A thematic break.
                continue
            }
            if let item = listItemBody(trimmed) {
                flushParagraph()
                paragraphKind = .listItem
                paragraph.append(item)
                continue
            }
            if trimmed.hasPrefix(">") {
                paragraph.append(trimmed.drop(while: { $0 == ">" || $0 == " " }))
                continue
            }
            if trimmed.hasPrefix("|") {
                // A table row: cells joined, separator rows dropped.
                if trimmed.allSatisfy({ "|-: ".contains($0) }) { continue }
                flushParagraph()
                let cells = trimmed.split(separator: "|").map { inline($0.trimmingSpaces()) }.filter { !$0.isEmpty }
                if !cells.isEmpty { blocks.append(.init(kind: .paragraph, text: cells.joined(separator: " | "))) }
                continue
            }
            paragraph.append(trimmed)
        }
        if fence != nil { flushCode() }
        flushParagraph()
        return ReadableDocument(title: "", blocks: blocks)
    }

    /// Parses plain text: paragraphs separated by blank lines.
    static func plainText(_ source: String) -> ReadableDocument {
        var blocks: [ReadableDocument.Block] = []
        var paragraph: [Substring] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                if !paragraph.isEmpty {
                    blocks.append(.init(kind: .paragraph, text: paragraph.joined(separator: " ").collapsingSpaces()))
                }
                paragraph.removeAll()
            } else {
                paragraph.append(line)
            }
        }
        if !paragraph.isEmpty {
            blocks.append(.init(kind: .paragraph, text: paragraph.joined(separator: " ").collapsingSpaces()))
        }
        return ReadableDocument(title: "", blocks: blocks)
    }

    /// The text of a list item line (`- x`, `* x`, `+ x`, `1. x`, `1) x`), or `nil`.
    private static func listItemBody(_ line: Substring) -> Substring? {
        if let first = line.first, first == "-" || first == "*" || first == "+", line.dropFirst().first == " " {
            var body = line.dropFirst(2)
            // Task list boxes.
            if body.hasPrefix("[ ] ") || body.hasPrefix("[x] ") || body.hasPrefix("[X] ") { body = body.dropFirst(4) }
            return body
        }
        let digits = line.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, digits.count <= 9 {
            let rest = line.dropFirst(digits.count)
            if rest.hasPrefix(". ") || rest.hasPrefix(") ") { return rest.dropFirst(2) }
        }
        return nil
    }

    /// Removes inline markup: emphasis, code spans, links, images, autolinks, HTML tags.
    static func inline(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\" where index + 1 < characters.count && characters[index + 1].isPunctuation:
                out.append(characters[index + 1])
                index += 2
            case "`":
                let run = characters[index...].prefix(while: { $0 == "`" }).count
                index += run
            case "*", "_":
                // Emphasis markers; an underscore inside a word stays (snake_case).
                if character == "_", index > 0, index + 1 < characters.count,
                    characters[index - 1].isLetter || characters[index - 1].isNumber,
                    characters[index + 1].isLetter || characters[index + 1].isNumber
                {
                    out.append(character)
                }
                index += 1
            case "!" where index + 1 < characters.count && characters[index + 1] == "[":
                index += 1
            case "[":
                // [text](url) or [text][ref]: keep the text.
                if let close = characters[index...].firstIndex(of: "]") {
                    let label = String(characters[(index + 1)..<close])
                    var next = close + 1
                    if next < characters.count, characters[next] == "(",
                        let end = characters[next...].firstIndex(of: ")")
                    {
                        next = end + 1
                    } else if next < characters.count, characters[next] == "[",
                        let end = characters[next...].firstIndex(of: "]")
                    {
                        next = end + 1
                    }
                    out += inline(label)
                    index = next
                } else {
                    out.append(character)
                    index += 1
                }
            case "<":
                // <https://...> autolinks keep their text; other tags go.
                if index + 1 < characters.count,
                    characters[index + 1].isLetter || characters[index + 1] == "/" || characters[index + 1] == "!",
                    let close = characters[index...].firstIndex(of: ">"), close - index < 200
                {
                    let inner = String(characters[(index + 1)..<close])
                    if inner.hasPrefix("http://") || inner.hasPrefix("https://") || inner.hasPrefix("mailto:") {
                        out += inner
                    }
                    index = close + 1
                } else {
                    out.append(character)
                    index += 1
                }
            default:
                out.append(character)
                index += 1
            }
        }
        return out.collapsingSpaces()
    }
}
