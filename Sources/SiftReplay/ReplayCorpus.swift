/// One web page the replay servers can return as a search result.
///
/// Text is plain (no markup): each replay presents it the way its service does
/// (Brave escapes and decorates it, SearXNG passes it through).
public struct ReplayDocument: Sendable, Hashable {
    /// The page title.
    public var title: String
    /// The canonical URL, `scheme://host/path`.
    public var url: String
    /// The site's display name (Brave's `profile.name`).
    public var siteName: String
    /// The main snippet.
    public var snippet: String
    /// Further excerpts (Brave's `extra_snippets`).
    public var extraSnippets: [String]
    /// When the page was published, if the corpus knows.
    public var published: CalendarDay?
    /// The page language.
    public var language: String
    /// Paragraphs only the page holds: the page server shows them after the snippets, the
    /// search results never do (a fact a reader finds only by reading the page).
    public var body: [String]

    /// A document.
    public init(
        title: String, url: String, siteName: String, snippet: String, extraSnippets: [String] = [],
        published: CalendarDay? = nil, language: String = "en", body: [String] = []
    ) {
        self.title = title
        self.url = url
        self.siteName = siteName
        self.snippet = snippet
        self.extraSnippets = extraSnippets
        self.published = published
        self.language = language
        self.body = body
    }

    /// The URL split as Python's `urlparse` does for the parts the replays show:
    /// scheme, host (netloc), path, query, fragment. Non-hierarchical URLs
    /// (`javascript:`, `data:`) have an empty host and the rest as path.
    public var urlParts: (scheme: String, host: String, path: String, query: String, fragment: String) {
        guard let colon = url.firstIndex(of: ":") else { return ("", "", url, "", "") }
        let scheme = String(url[..<colon]).lowercased()
        var rest = url[url.index(after: colon)...]
        var fragment = ""
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query = ""
        if let question = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        guard rest.hasPrefix("//") else { return (scheme, "", String(rest), query, fragment) }
        rest = rest.dropFirst(2)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        return (scheme, String(rest[..<slash]), String(rest[slash...]), query, fragment)
    }

    /// The URL a replay hands out: the canonical one, or when `pagesBase` is set and the
    /// URL is http(s), the same page on the page server, `{pagesBase}/{host}{path}[?query]`,
    /// so that a fetcher can read it. Other schemes (the hostile corpus's `javascript:`) are
    /// never rewritten.
    public func url(servedFrom pagesBase: String?) -> String {
        guard let pagesBase else { return url }
        let parts = urlParts
        guard parts.scheme == "http" || parts.scheme == "https", !parts.host.isEmpty else { return url }
        var base = pagesBase
        while base.hasSuffix("/") { base.removeLast() }
        let path = parts.path.isEmpty ? "/" : parts.path
        return base + "/" + parts.host + path + (parts.query.isEmpty ? "" : "?" + parts.query)
    }
}

/// What the corpus holds for one query.
public struct ReplayCorpusEntry: Sendable, Hashable {
    /// Web results, best first.
    public var documents: [ReplayDocument]
    /// News results, newest first.
    public var news: [ReplayDocument]
    /// Related searches (SearXNG's `suggestions`).
    public var suggestions: [String]
    /// A short encyclopedic summary (SearXNG's infobox), if the query names a thing.
    public var summary: ReplaySummary?
    /// Whether the entry is the hostile (XSS) corpus.
    public var isHostile: Bool

    /// An entry.
    public init(
        documents: [ReplayDocument], news: [ReplayDocument] = [], suggestions: [String] = [],
        summary: ReplaySummary? = nil, isHostile: Bool = false
    ) {
        self.documents = documents
        self.news = news
        self.suggestions = suggestions
        self.summary = summary
        self.isHostile = isHostile
    }
}

/// An encyclopedic summary of the thing a query names.
public struct ReplaySummary: Sendable, Hashable {
    /// The thing's name.
    public var name: String
    /// One paragraph about it.
    public var text: String
    /// The article it comes from.
    public var url: String
    /// Facts as label and value.
    public var attributes: [ReplayParameter]

    /// A summary.
    public init(name: String, text: String, url: String, attributes: [ReplayParameter] = []) {
        self.name = name
        self.text = text
        self.url = url
        self.attributes = attributes
    }
}

/// What a search for one query finds.
public struct ReplaySearchOutcome: Sendable {
    /// The query as asked.
    public var original: String
    /// The corrected query the results are for, when the spell checker changed it.
    public var altered: String?
    /// The entry found or generated.
    public var entry: ReplayCorpusEntry
}

/// An entry found by the words of a query rather than the whole query: it answers every
/// query that holds all of `words` (letters and digits, lower case), in any order and
/// among any other words.
public struct ReplayWordEntry: Sendable, Hashable {
    /// The words a query must hold.
    public var words: Set<String>
    /// What the query finds.
    public var entry: ReplayCorpusEntry

    /// An entry for the queries holding all of `words` (normalized as the corpus does).
    public init(words: some Sequence<String>, entry: ReplayCorpusEntry) {
        self.words = Set(words.flatMap { ReplayCorpus.terms(of: $0) })
        self.entry = entry
    }
}

/// A deterministic corpus of search results: a few hand-written queries, spelling
/// corrections, the hostile corpus, and a generator that gives every other query
/// plausible results that are the same on every run.
public struct ReplayCorpus: Sendable {
    /// Hand-written entries by normalized query.
    public var entries: [String: ReplayCorpusEntry]
    /// Entries matched by words (``ReplayWordEntry``), asked after `entries`: the one with
    /// the most words that the query holds all of wins, the first on a tie.
    public var wordEntries: [ReplayWordEntry]
    /// Misspelled normalized queries and the query the spell checker turns them into.
    public var corrections: [String: String]
    /// Whether queries not in `entries` get generated results (otherwise none).
    public var generatesUnknownQueries: Bool

    /// A corpus.
    public init(
        entries: [String: ReplayCorpusEntry], wordEntries: [ReplayWordEntry] = [], corrections: [String: String] = [:],
        generatesUnknownQueries: Bool = true
    ) {
        self.entries = entries
        self.wordEntries = wordEntries
        self.corrections = corrections
        self.generatesUnknownQueries = generatesUnknownQueries
    }

    /// The word entry for `query`, if one matches.
    public func wordEntry(for query: String) -> ReplayCorpusEntry? {
        let terms = Self.terms(of: query)
        var best: ReplayWordEntry?
        for candidate in wordEntries where !candidate.words.isEmpty && candidate.words.isSubset(of: terms) {
            if candidate.words.count > (best?.words.count ?? 0) { best = candidate }
        }
        return best?.entry
    }

    /// The built-in corpus: "capital of australia", "swift concurrency",
    /// "tcp congestion control", a few misspellings of them, the hostile corpus
    /// under "xss", the prompt-injection pages for any query holding "tallowmere",
    /// and generated results for everything else.
    public static var standard: ReplayCorpus {
        var entries = standardEntries
        entries[hostileQuery] = hostileEntry
        return ReplayCorpus(
            entries: entries, wordEntries: [ReplayWordEntry(words: [injectionWord], entry: injectionEntry)],
            corrections: standardCorrections)
    }

    /// Lower case, whitespace collapsed to single spaces, trimmed.
    public static func normalize(_ query: String) -> String {
        query.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The results for `query`; `spellcheck` lets a known misspelling be corrected, and
    /// `today` anchors the dates of generated pages.
    public func search(_ query: String, spellcheck: Bool = true, today: CalendarDay) -> ReplaySearchOutcome {
        var key = Self.normalize(query)
        var altered: String?
        if spellcheck, let corrected = corrections[key] {
            altered = corrected
            key = corrected
        }
        if let entry = entries[key] ?? wordEntry(for: key) {
            return ReplaySearchOutcome(original: query, altered: altered, entry: entry)
        }
        guard generatesUnknownQueries, !key.isEmpty else {
            return ReplaySearchOutcome(original: query, altered: altered, entry: ReplayCorpusEntry(documents: []))
        }
        return ReplaySearchOutcome(original: query, altered: altered, entry: Self.generate(for: key, today: today))
    }

    /// The words of `query` a snippet highlights: letters and digits, lower-cased.
    static func terms(of query: String) -> Set<String> {
        Set(
            query.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) })
                .map(String.init))
    }
}
