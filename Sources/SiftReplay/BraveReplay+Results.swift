extension BraveReplay {
    /// The search response for a validated request: `count` web results from page
    /// `offset` (pages of `count`), the news cluster on the first page, the `mixed` ranking,
    /// and the query block with the spell checker's `altered` query.
    func searchResponse(for request: BraveSearchRequest) -> BraveSearchResponse {
        let today = configuration.today ?? .today
        let outcome = configuration.corpus.search(request.q, spellcheck: request.spellcheck, today: today)
        let hostile = outcome.entry.isHostile
        let terms = ReplayCorpus.terms(of: outcome.altered ?? request.q)
        let documents = outcome.entry.documents.filter { request.isFresh($0.published, today: today) }
        let start = min(documents.count, request.offset * request.count)
        let end = min(documents.count, start + request.count)
        let wants = { (kind: String) in request.resultFilter.map { $0.contains(kind) } ?? true }

        let webResults = documents[start..<end].map { document in
            webResult(document, terms: terms, request: request, hostile: hostile)
        }
        let newsDocuments = outcome.entry.news.filter { request.isFresh($0.published, today: today) }
        let news =
            wants("news") && request.offset == 0 && !newsDocuments.isEmpty
            ? BraveNews(results: newsDocuments.map { newsResult($0, terms: terms, request: request, hostile: hostile) })
            : nil
        let web = wants("web") ? BraveWeb(results: webResults) : nil

        var main: [BraveMixed.Reference] = []
        for index in webResults.indices where web != nil {
            if index == 2, news != nil { main.append(.init(type: "news", index: nil, all: true)) }
            main.append(.init(type: "web", index: index, all: false))
        }
        if news != nil, !main.contains(where: { $0.type == "news" }) {
            main.append(.init(type: "news", index: nil, all: true))
        }

        return BraveSearchResponse(
            query: BraveQuery(
                original: request.q, altered: outcome.altered, spellcheck_off: !request.spellcheck,
                country: request.country.lowercased(), more_results_available: documents.count > end),
            mixed: BraveMixed(main: main),
            news: news,
            web: web)
    }

    private func describe(_ text: String, terms: Set<String>, request: BraveSearchRequest, hostile: Bool) -> String {
        // The hostile corpus reaches the client unescaped on purpose: it models an upstream
        // that fails to escape, which is what a consumer must survive.
        let escaped = hostile ? text : ReplayHTTP.escapeHTML(text)
        return request.textDecorations ? Self.decorate(escaped, terms: terms) : escaped
    }

    private func metaURL(_ url: String) -> BraveMetaURL {
        let parts = ReplayDocument(title: "", url: url, siteName: "", snippet: "").urlParts
        let segments = parts.path.split(separator: "/")
        // urllib's split: netloc keeps a port, hostname does not.
        let hostname = parts.host.split(separator: ":").first.map(String.init) ?? ""
        return BraveMetaURL(
            scheme: parts.scheme, netloc: parts.host, hostname: hostname,
            favicon: Self.favicon(for: parts.host),
            path: segments.isEmpty ? "" : "› " + segments.joined(separator: " › "))
    }

    private func webResult(
        _ document: ReplayDocument, terms: Set<String>, request: BraveSearchRequest, hostile: Bool
    ) -> BraveWebResult {
        let url = document.url(servedFrom: configuration.pagesBaseURL)
        let host = document.urlParts.host
        return BraveWebResult(
            title: document.title,
            url: url,
            description: describe(document.snippet, terms: terms, request: request, hostile: hostile),
            page_age: document.published?.isoMidnight,
            profile: BraveProfile(
                name: document.siteName, url: url, long_name: host, img: Self.favicon(for: host)),
            language: document.language,
            meta_url: metaURL(url),
            age: document.published?.longForm,
            extra_snippets: request.extraSnippets && !document.extraSnippets.isEmpty
                ? document.extraSnippets.map { hostile ? $0 : ReplayHTTP.escapeHTML($0) } : nil)
    }

    private func newsResult(
        _ document: ReplayDocument, terms: Set<String>, request: BraveSearchRequest, hostile: Bool
    ) -> BraveNewsResult {
        let url = document.url(servedFrom: configuration.pagesBaseURL)
        return BraveNewsResult(
            title: document.title,
            url: url,
            description: describe(document.snippet, terms: terms, request: request, hostile: hostile),
            page_age: document.published?.isoMidnight,
            meta_url: metaURL(url),
            age: document.published?.longForm)
    }

    /// A made-up favicon URL on Brave's image proxy host.
    static func favicon(for host: String) -> String {
        "https://imgs.search.brave.com/replay/favicon/" + (host.isEmpty ? "none" : host)
    }

    /// Wraps every word of `text` that is one of `terms` in `<strong>…</strong>`, as Brave's
    /// text decorations do; a run of highlighted words separated only by spaces is one
    /// highlight. Markup and entities in `text` are left alone.
    static func decorate(_ text: String, terms: Set<String>) -> String {
        guard !terms.isEmpty else { return text }
        enum Piece { case word(Substring), other(Substring) }
        var pieces: [Piece] = []
        var index = text.startIndex
        while index < text.endIndex {
            let isWord = text[index].isLetter || text[index].isNumber
            var end = index
            while end < text.endIndex, (text[end].isLetter || text[end].isNumber) == isWord { end = text.index(after: end) }
            pieces.append(isWord ? .word(text[index..<end]) : .other(text[index..<end]))
            index = end
        }
        var out = ""
        var open = false
        var pendingSpace = ""
        for piece in pieces {
            switch piece {
            case .word(let word) where terms.contains(word.lowercased()):
                if open {
                    out += pendingSpace
                } else {
                    out += pendingSpace + "<strong>"
                    open = true
                }
                pendingSpace = ""
                out += word
            case .word(let word):
                if open { out += "</strong>"; open = false }
                out += pendingSpace + word
                pendingSpace = ""
            case .other(let other):
                if open, other.allSatisfy({ $0 == " " }) {
                    pendingSpace += other
                } else {
                    if open { out += "</strong>"; open = false }
                    out += pendingSpace + other
                    pendingSpace = ""
                }
            }
        }
        if open { out += "</strong>" }
        return out + pendingSpace
    }
}
