import SiftText

/// The dictd dictionaries the knowledge base reads, each with its own markup.
enum DictionaryFormat: String, Sendable, Hashable {
    case wordNet = "wordnet"
    case gcide
    case foldoc

    /// Documents from `database`: one per headword (GCIDE entries sharing a headword are
    /// joined), each passage "Headword: definition". An entry reached by several headwords
    /// is read once, under its own (see ``DictdDatabase/isPrimary``).
    func documents(
        from database: DictdDatabase, collection: String, range: Range<Int>? = nil,
        splitter: PassageSplitter = PassageSplitter(minWords: 40, maxWords: 150)
    ) -> [KnowledgeBaseDocument] {
        let entries = database.entries
        let range = range ?? entries.indices
        var documents: [KnowledgeBaseDocument] = []
        var index = range.lowerBound
        while index < range.upperBound {
            // Entries of one headword are adjacent in the index.
            var end = index + 1
            while end < range.upperBound && entries[end].headword == entries[index].headword { end += 1 }
            var passages: [KnowledgeBaseDocument.Passage] = []
            var title: String?
            for position in index..<end where database.isPrimary[position] {
                guard let text = database.text(of: entries[position]) else { continue }
                let parsed = parse(text, headword: entries[position].headword)
                if title == nil, !parsed.passages.isEmpty { title = parsed.title }
                passages += parsed.passages
            }
            if let title, !passages.isEmpty {
                documents.append(
                    KnowledgeBaseDocument(
                        collection: collection, title: title, url: KnowledgeBaseDocument.uri(rawValue, title),
                        origin: nil, passages: Self.split(passages, splitter: splitter), kind: .entry))
            }
            index = end
        }
        return documents
    }

    /// Index ranges of about `size` entries each that never split a headword's entries.
    static func chunks(of database: DictdDatabase, size: Int) -> [Range<Int>] {
        let entries = database.entries
        var ranges: [Range<Int>] = []
        var start = 0
        while start < entries.count {
            var end = min(entries.count, start + max(1, size))
            while end < entries.count && entries[end].headword == entries[end - 1].headword { end += 1 }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// One entry's title and passages.
    func parse(_ text: String, headword: String) -> (title: String, passages: [KnowledgeBaseDocument.Passage]) {
        switch self {
        case .wordNet: Self.parseWordNet(text)
        case .gcide: Self.parseGCIDE(text, headword: headword)
        case .foldoc: Self.parseFOLDOC(text)
        }
    }

    /// Splits passages longer than the splitter's bound, repeating the "Headword: " prefix.
    static func split(
        _ passages: [KnowledgeBaseDocument.Passage], splitter: PassageSplitter
    ) -> [KnowledgeBaseDocument.Passage] {
        var result: [KnowledgeBaseDocument.Passage] = []
        for passage in passages {
            guard PassageSplitter.wordCount(passage.text) > splitter.maxWords,
                let colon = passage.text.firstRange(of: ": ")
            else {
                result.append(passage)
                continue
            }
            let prefix = passage.text[..<colon.lowerBound]
            let body = String(passage.text[colon.upperBound...])
            for chunk in splitter.split(text: body) {
                result.append(.init(context: passage.context, text: "\(prefix): \(chunk.text)"))
            }
        }
        return result
    }
}
