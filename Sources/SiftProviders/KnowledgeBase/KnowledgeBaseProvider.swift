import SiftCore
import SiftText

/// The local knowledge base as a ``SearchProvider`` named `kb`.
///
/// Searches the query's terms (and its focus as a phrase) in the index and returns one
/// hit per document with its best passages, so the pipeline needs no page fetch for it.
public struct KnowledgeBaseProvider: SearchProvider {
    public let name = "kb"
    /// The open index.
    public let knowledgeBase: KnowledgeBase
    /// Passages handed over per hit.
    public let passagesPerHit: Int

    /// A provider over `knowledgeBase`.
    public init(knowledgeBase: KnowledgeBase, passagesPerHit: Int = 5) {
        self.knowledgeBase = knowledgeBase
        self.passagesPerHit = passagesPerHit
    }

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        SearchResults(hits: try hits(for: query, limit: limit))
    }

    /// The best documents for `query`, at most `limit`.
    func hits(for query: AnalyzedQuery, limit: Int) throws -> [SearchHit] {
        // A compound question: each part searched on its own, their best hits taken in turn.
        if query.parts.count >= 2 {
            let share = max(2, (limit + query.parts.count - 1) / query.parts.count)
            let lists = try query.parts.map { try hits(for: $0, limit: share) }
            var merged: [SearchHit] = []
            var seen = Set<String>()
            for index in 0..<share {
                for list in lists where index < list.count && seen.insert(list[index].url).inserted {
                    merged.append(list[index])
                }
            }
            return Array(merged.prefix(limit))
        }
        var terms = query.terms
        if terms.isEmpty {
            // Nothing survived stop-word removal ("what is it"): fall back to the words typed.
            terms = FTSQuery.words(query.normalized)
        }
        // Code and error logs: the senses of everyday words ("select", "name") answer nothing, so
        // general-language dictionaries come after manuals, references and FOLDOC; one-letter names
        // (`x`, `i`) find nothing in particular; and in an error, bare numbers (addresses, ports, line
        // numbers) name the instance, not the problem.
        let technical = query.kind == .code || query.kind == .errorLog
        if technical {
            let words = terms.filter { term in
                term.count > 1 && (query.kind == .code || term.contains(where: \.isLetter))
            }
            if !words.isEmpty { terms = words }
        }
        var matches: [KnowledgeBase.Match]
        do {
            let found = try knowledgeBase.search(terms: terms, focus: query.focus, limit: technical ? limit * 2 : limit)
            matches = technical ? Self.technicalFirst(found, limit: limit) : found
            if let frame = query.frame, !technical {
                matches = try framed(frame, general: matches, terms: terms, limit: limit)
            }
        } catch {
            throw ProviderError(code: "unavailable", message: "The local knowledge base failed: \(error.message)")
        }
        return matches.map { match in
            SearchHit(
                url: match.url, title: match.title,
                snippet: match.snippet,
                score: match.score, passages: Array(match.passages.prefix(passagesPerHit)),
                collection: match.collection)
        }
    }

    /// URL prefixes of the general-language dictionaries (WordNet, GCIDE).
    static let generalLanguagePrefixes = [DictionaryFormat.wordNet, .gcide].map {
        KnowledgeBaseDocument.uri($0.rawValue, "")
    }

    /// `matches` with general-language dictionary entries after the others, order kept otherwise.
    static func technicalFirst(_ matches: [KnowledgeBase.Match], limit: Int) -> [KnowledgeBase.Match] {
        let general = matches.filter { match in generalLanguagePrefixes.contains { match.url.hasPrefix($0) } }
        let others = matches.filter { match in !generalLanguagePrefixes.contains { match.url.hasPrefix($0) } }
        return Array((others + general).prefix(limit))
    }

    /// The documents a framed question needs, before the general matches: for a relation read
    /// off the subject, the documents titled with the subject (and, for symbols and
    /// abbreviations, those listing it among their other names); for a relation whose answer is
    /// another entry ("a young hare"), the passages stating a relation word next to the subject.
    /// Entries that are one dictionary sense filed under two names keep the name the corpus
    /// uses most ("Tehran" rather than "Teheran").
    func framed(
        _ frame: QuestionFrame, general: [KnowledgeBase.Match], terms: [String], limit: Int
    ) throws(KnowledgeBaseError) -> [KnowledgeBase.Match] {
        var expressions: [String] = []
        if frame.relation.isReverse {
            if let stating = FTSQuery.stating(frame.relationWords, near: frame.subject) { expressions.append(stating) }
        } else {
            if frame.relation == .creator, let stating = FTSQuery.stating(frame.relationWords, near: frame.subject) {
                expressions.append(stating)
            }
        }
        // The subject's own entries and summaries, looked up once by their exact title: they answer a
        // relation read off the subject, and lead to its other names and to the office it held.
        let byNames: [QuestionFrame.Relation] = [.symbol, .abbreviation, .expansion, .bearer]
        let succession = frame.relation == .successor || frame.relation == .predecessor
        let needsOwn = !frame.relation.isReverse || byNames.contains(frame.relation) || succession
        let own = needsOwn ? try knowledgeBase.entries(titled: frame.subject) : []
        var first = frame.relation.isReverse && frame.relation != .bearer ? [] : own
        // A person is filed under the surname in WordNet ("Rousseau" for "Henri Rousseau").
        let words = frame.subject.split(separator: " ")
        if !frame.relation.isReverse, words.count >= 2, words.count <= 4, let surname = words.last,
            [.definition, .time, .location, .creator, .predecessor].contains(frame.relation) || frame.answerType == .person
        {
            first += try knowledgeBase.entries(titled: String(surname)).filter { match in
                match.passages.contains { FrameReader.mentionsAll(words.dropLast().map(String.init), in: $0) }
                    || match.title.first?.isUppercase == true
            }
        }
        // A symbol, an abbreviation or what one names is often another name of the subject's own entry.
        if byNames.contains(frame.relation) {
            first += try knowledgeBase.synonyms(among: own)
        }
        for expression in expressions {
            first += try knowledgeBase.search(expression: expression, terms: terms, focus: frame.subject, limit: limit)
        }
        // Who came after or before someone in a numbered office: the subject's entry names the office
        // ("28th president"), and the holder of the next (or previous) number is searched for.
        if succession {
            var holder = own
            // Filed under the surname: "Van Buren" for "Martin Van Buren", "Lincoln" for "Abraham Lincoln".
            for count in [2, 1] where holder.isEmpty && words.count > count {
                holder = try knowledgeBase.entries(titled: words.suffix(count).joined(separator: " "))
            }
            var found = holder
            let offices = holder.compactMap { entry in entry.passages.lazy.compactMap(FrameReader.office(in:)).first }
            if let office = offices.first,
                let wanted = office.shifted(by: frame.relation == .successor ? 1 : -1),
                let phrase = FTSQuery.quoted(wanted.phrase)
            {
                found += try knowledgeBase.search(
                    expression: "{text} : \(phrase)", terms: [wanted.role], focus: nil, limit: 4)
            }
            // The office's next holder before the passages that merely mention the subject.
            first = found + first
        }
        let top = general.first?.score ?? 1
        var seen = Set<String>()
        var merged: [KnowledgeBase.Match] = []
        let generalByURL = Dictionary(general.map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
        for var match in first where seen.insert(match.url).inserted {
            match.score = max(match.score, top)
            // The same document found by the question's words adds the passages that hold them.
            if let other = generalByURL[match.url] {
                var passages = other.passages
                for passage in match.passages where !passages.contains(passage) { passages.append(passage) }
                match.passages = passages
            }
            merged.append(match)
        }
        for match in general where seen.insert(match.url).inserted { merged.append(match) }
        // A symbol or an abbreviation is found as another name's entry: keep every name then.
        return Array((byNames.contains(frame.relation) ? merged : try usualNames(merged, asked: frame.subject)).prefix(limit))
    }

    /// One of each set of entries whose first passages say the same after their headwords (one
    /// WordNet sense filed under each of its names): the one whose name the corpus uses most.
    /// The name the question itself asked about (`asked`) is kept whatever the counts.
    func usualNames(_ matches: [KnowledgeBase.Match], asked: String) throws(KnowledgeBaseError) -> [KnowledgeBase.Match] {
        let askedWords = FTSQuery.words(asked)
        func body(_ match: KnowledgeBase.Match) -> String? {
            guard let text = match.passages.first, let colon = text.firstRange(ofText: ": "),
                text[..<colon.lowerBound] == Substring(match.title)
            else { return nil }
            return FrameReader.splitSynonyms(String(text[colon.upperBound...])).body
        }
        var groups: [String: [Int]] = [:]
        for (index, match) in matches.enumerated() {
            if let body = body(match) { groups[body, default: []].append(index) }
        }
        var chosen: [Int: Int] = [:]
        for indices in groups.values where indices.count > 1 {
            var best = indices[0]
            var bestCount = -1
            for index in indices {
                if FTSQuery.words(matches[index].title) == askedWords {
                    best = index
                    break
                }
                let count = try knowledgeBase.passageCount(of: matches[index].title)
                if count > bestCount {
                    best = index
                    bestCount = count
                }
            }
            for index in indices { chosen[index] = indices.min() == index ? best : -1 }
        }
        var result: [KnowledgeBase.Match] = []
        for index in matches.indices {
            switch chosen[index] {
            case nil: result.append(matches[index])
            case let best? where best >= 0: result.append(matches[best])
            default: continue
            }
        }
        return result
    }
}
