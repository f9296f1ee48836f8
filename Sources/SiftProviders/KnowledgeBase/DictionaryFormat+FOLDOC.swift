import SiftText

extension DictionaryFormat {
    /// One FOLDOC entry:
    ///
    ///     Transmission Control Protocol
    ///     TCP
    ///
    ///        <networking, protocol> (TCP) The most common {transport layer}
    ///        {protocol} used on {Ethernet} and the {Internet}. ...
    ///
    ///        (2001-06-14)
    ///
    /// gives "Transmission Control Protocol: (TCP) The most common transport layer protocol
    /// ...", with the alias lines and `<categories>` as context. Each paragraph is a passage
    /// (long ones are split later); the closing date is dropped.
    static func parseFOLDOC(_ text: String) -> (title: String, passages: [KnowledgeBaseDocument.Passage]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first else { return ("", []) }
        let title = first.trimmingSpaces()
        var aliases: [String] = []
        var index = 1
        while index < lines.count, !lines[index].allSatisfy({ $0 == " " }) {
            aliases.append(lines[index].trimmingSpaces())
            index += 1
        }
        var paragraphs: [String] = []
        var current: [Substring] = []
        for line in lines[index...] {
            let content = line.drop(while: { $0 == " " || $0 == "\t" })
            if content.isEmpty {
                if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }
                current.removeAll()
            } else {
                current.append(content)
            }
        }
        if !current.isEmpty { paragraphs.append(current.joined(separator: " ")) }

        var categories = ""
        var passages: [KnowledgeBaseDocument.Passage] = []
        for paragraph in paragraphs {
            var body = Substring(paragraph)
            if body.hasPrefix("<"), let close = body.firstIndex(of: ">") {
                categories = String(body[body.index(after: body.startIndex)..<close])
                body = body[body.index(after: close)...]
            }
            // The closing "(2001-06-14)" date.
            if body.hasPrefix("("), body.hasSuffix(")"), body.count <= 14, body.dropFirst().first?.isNumber == true {
                continue
            }
            let cleaned = body.filter { $0 != "{" && $0 != "}" }.collapsingSpaces()
            guard !cleaned.isEmpty else { continue }
            passages.append(.init(context: "", text: "\(title): \(cleaned)"))
        }
        let context = (aliases + (categories.isEmpty ? [] : [categories])).joined(separator: ", ")
        for position in passages.indices { passages[position].context = context }
        return (title, joinShort(passages))
    }

    /// Joins consecutive short FOLDOC paragraphs of one entry so passages read as a whole.
    private static func joinShort(_ passages: [KnowledgeBaseDocument.Passage]) -> [KnowledgeBaseDocument.Passage] {
        guard passages.count > 1 else { return passages }
        var result: [KnowledgeBaseDocument.Passage] = []
        var words = 0
        for passage in passages {
            let count = PassageSplitter.wordCount(passage.text)
            if var last = result.last, words + count <= 120, let colon = passage.text.firstRange(of: ": ") {
                last.text += "\n" + passage.text[colon.upperBound...]
                result[result.count - 1] = last
                words += count
            } else {
                result.append(passage)
                words = count
            }
        }
        return result
    }
}
