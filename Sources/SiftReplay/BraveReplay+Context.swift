extension BraveReplay {
    /// The LLM Context response for a validated request, from the same corpus search as the web
    /// search: the first `count` fresh results are considered, and each in turn gives its text,
    /// in reading order (the snippet, the extra snippets, then the paragraphs only its page
    /// holds), as snippets, within the budgets asked for: `maximum_number_of_urls`,
    /// `maximum_number_of_snippets` (and per URL), `maximum_number_of_tokens` (and per URL).
    ///
    /// Guessed, as Brave does not publish how it chooses: a token is four characters, rounded
    /// up; a snippet that would overrun a budget ends that URL (or the whole context); and the
    /// threshold modes: `disabled` and `lenient` keep every chunk, `balanced` keeps a page's
    /// first chunk and the others that share a word of three letters or more with the query,
    /// `strict` keeps only chunks that share one (a page left with none is left out).
    func contextResponse(for request: BraveContextRequest) -> BraveContextResponse {
        let today = configuration.today ?? .today
        let outcome = configuration.corpus.search(request.q, spellcheck: request.spellcheck, today: today)
        let terms = ReplayCorpus.terms(of: outcome.altered ?? request.q).filter { $0.count >= 3 }
        let considered = outcome.entry.documents.filter { request.isFresh($0.published, today: today) }
            .prefix(request.count)

        var generic: [BraveContextResponse.Generic] = []
        var sources: [String: BraveContextResponse.Source] = [:]
        var tokensLeft = request.maximumTokens
        var snippetsLeft = request.maximumSnippets
        documents: for document in considered {
            guard generic.count < request.maximumURLs, tokensLeft > 0, snippetsLeft > 0 else { break }
            let chunks = [document.snippet] + document.extraSnippets + document.body
            var kept: [String] = []
            var urlTokens = 0
            for (index, chunk) in chunks.enumerated() {
                guard kept.count < request.maximumSnippetsPerURL else { break }
                guard Self.passes(chunk, first: index == 0, terms: terms, threshold: request.threshold) else { continue }
                let cost = Self.tokens(chunk)
                if urlTokens + cost > request.maximumTokensPerURL { break }
                if cost > tokensLeft {
                    if !kept.isEmpty { generic.append(entry(document, kept, &sources, today: today)) }
                    break documents
                }
                kept.append(chunk)
                urlTokens += cost
                tokensLeft -= cost
                snippetsLeft -= 1
                if snippetsLeft == 0 { break }
            }
            if !kept.isEmpty { generic.append(entry(document, kept, &sources, today: today)) }
        }
        return BraveContextResponse(grounding: .init(generic: generic), sources: sources)
    }

    private func entry(
        _ document: ReplayDocument, _ snippets: [String], _ sources: inout [String: BraveContextResponse.Source],
        today: CalendarDay
    ) -> BraveContextResponse.Generic {
        let url = document.url(servedFrom: configuration.pagesBaseURL)
        // The host of the URL handed out, as Brave's `meta_url.hostname` is (without a port).
        let served = ReplayDocument(title: "", url: url, siteName: "", snippet: "").urlParts.host
        let host = served.split(separator: ":").first.map(String.init) ?? ""
        sources[url] = BraveContextResponse.Source(
            title: document.title, hostname: host,
            age: document.published.map { Self.age($0, today: today) })
        return BraveContextResponse.Generic(url: url, title: document.title, snippets: snippets)
    }

    /// Whether a chunk goes into the context under `threshold`.
    static func passes(
        _ chunk: String, first: Bool, terms: Set<String>, threshold: BraveContextRequest.Threshold
    ) -> Bool {
        switch threshold {
        case .disabled, .lenient: return true
        case .balanced: return first || !ReplayCorpus.terms(of: chunk).isDisjoint(with: terms)
        case .strict: return !ReplayCorpus.terms(of: chunk).isDisjoint(with: terms)
        }
    }

    /// Approximate tokens in `text`: a token for every four characters, rounded up.
    static func tokens(_ text: String) -> Int {
        (text.count + 3) / 4
    }

    /// `sources[url].age` as Brave's documentation shows it: `["Wednesday, January 15, 2025",
    /// "2025-01-15", "392 days ago"]`.
    static func age(_ day: CalendarDay, today: CalendarDay) -> [String] {
        let weekdays = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"]
        let weekday = weekdays[((day.daysSinceEpoch % 7) + 7) % 7]
        let days = today.daysSinceEpoch - day.daysSinceEpoch
        let ago = days == 1 ? "1 day ago" : "\(days) days ago"
        return ["\(weekday), \(day.longForm)", day.iso, ago]
    }
}

/// An LLM Context response, as documented (LLMContextAPIResponse: `grounding` with `generic`,
/// `poi` and `map`; `sources` keyed by URL with `title`, `hostname` and `age`). The corpus has
/// no local results: `map` is always empty and `poi` is left out, as in the documented example
/// of a response without local recall.
struct BraveContextResponse: Encodable {
    struct Grounding: Encodable {
        var generic: [Generic]
        var map: [Generic] = []
    }

    struct Generic: Encodable {
        var url: String
        var title: String
        var snippets: [String]
    }

    struct Source: Encodable {
        var title: String
        var hostname: String
        var age: [String]?

        private enum Keys: String, CodingKey { case title, hostname, age }

        // `age` is null, not missing, when the page has no date.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(title, forKey: .title)
            try container.encode(hostname, forKey: .hostname)
            if let age { try container.encode(age, forKey: .age) } else { try container.encodeNil(forKey: .age) }
        }
    }

    var grounding: Grounding
    var sources: [String: Source]
}
