/// A SearXNG search's parameters after SearXNG's own checks (searx/webadapter.py):
/// `language` a code like `en` or `en-US` (or `auto`/`all`), `safesearch` 0, 1 or 2,
/// `time_range` day, week, month or year, `timeout_limit` a number, `pageno` 1 or more.
/// A bad value is `SearxParameterException`: `Invalid value {value} for parameter {name}`
/// (`Empty {name} parameter` when empty), answered `400 {"error": message}`.
struct SearXNGSearch: Sendable, Equatable {
    var q: String
    var pageno = 1
    var language = "auto"
    var safesearch = 0
    var timeRange: String?
    var categories: [String] = []
    var engines: [String] = []

    struct Failure: Error, Equatable {
        var message: String

        init(_ name: String, _ value: String) {
            message = value.isEmpty ? "Empty \(name) parameter" : "Invalid value \(value) for parameter \(name)"
        }
    }

    static func parse(q: String, form: [String: String]) -> Result<SearXNGSearch, Failure> {
        var search = SearXNGSearch(q: q)
        if let language = form["language"] {
            guard language == "auto" || isLanguageCode(language) else { return .failure(Failure("language", language)) }
            search.language = language
        }
        if let text = form["safesearch"] {
            guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit), let value = Int(text), (0...2).contains(value) else {
                return .failure(Failure("safesearch", text))
            }
            search.safesearch = value
        }
        if let text = form["time_range"], !["", "None"].contains(text) {
            guard ["day", "week", "month", "year"].contains(text) else { return .failure(Failure("time_range", text)) }
            search.timeRange = text
        }
        if let text = form["timeout_limit"], !["", "None"].contains(text), Double(text) == nil {
            return .failure(Failure("timeout_limit", text))
        }
        let pageno = form["pageno"] ?? "1"
        guard !pageno.isEmpty, pageno.allSatisfy(\.isASCIIDigit), let page = Int(pageno), page >= 1 else {
            return .failure(Failure("pageno", pageno))
        }
        search.pageno = page
        func list(_ name: String) -> [String] {
            (form[name] ?? "").split(separator: ",").map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
        }
        search.categories = list("categories")
        search.engines = list("engines")
        return .success(search)
    }

    /// `^[a-z]{2,3}(-[a-zA-Z]{2})?$`
    static func isLanguageCode(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLowercase })
        else { return false }
        if parts.count == 1 { return true }
        return parts.count == 2 && parts[1].count == 2 && parts[1].allSatisfy { $0.isASCII && $0.isLetter }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension SearXNGReplay {
    /// The response for a validated search: page `pageno` of `pageSize` results, each
    /// found by one to three of the configured engines (never an unresponsive one, and only
    /// the requested ones when `engines` was given), ordered by SearXNG's score
    /// (the sum over positions of occurrences / position).
    func searchResponse(for search: SearXNGSearch) -> SearXNGResponse {
        let today = configuration.today ?? .today
        let outcome = configuration.corpus.search(search.q, today: today)
        let down = Set(configuration.unresponsiveEngines.map(\.name))
        var pool = configuration.engines.filter { !down.contains($0) }
        if !search.engines.isEmpty { pool = pool.filter { search.engines.contains($0) } }
        let maxAge = ["day": 1, "week": 7, "month": 31, "year": 365][search.timeRange ?? ""]
        let documents = outcome.entry.documents.filter { document in
            guard let maxAge else { return true }
            guard let published = document.published else { return false }
            let age = today.daysSinceEpoch - published.daysSinceEpoch
            return age >= 0 && age <= maxAge
        }
        let pageSize = max(1, configuration.pageSize)
        let start = min(documents.count, (search.pageno - 1) * pageSize)
        let end = min(documents.count, start + pageSize)
        let category = search.categories.first ?? "general"

        var results: [SearXNGResult] = []
        for (rank, document) in documents[start..<end].enumerated() where !pool.isEmpty {
            let seed = ReplayCorpus.fnv1a(document.url)
            let found = 1 + Int(seed % 3)
            let first = Int((seed >> 8) % UInt64(pool.count))
            let engines = (0..<min(found, pool.count)).map { pool[(first + $0) % pool.count] }
            let positions = engines.indices.map { rank + 1 + $0 }
            let score = positions.reduce(0.0) { $0 + Double(positions.count) / Double($1) }
            let url = document.url(servedFrom: configuration.pagesBaseURL)
            let parts = ReplayDocument(title: "", url: url, siteName: "", snippet: "").urlParts
            results.append(
                SearXNGResult(
                    url: url, title: document.title, content: document.snippet, engine: engines[0],
                    parsedURL: [parts.scheme, parts.host, parts.path, "", parts.query, parts.fragment],
                    engines: engines, positions: positions, score: score, category: category,
                    publishedDate: document.published?.isoMidnight))
        }
        results.sort { $0.score > $1.score }

        var infoboxes: [SearXNGInfobox] = []
        if search.pageno == 1, let summary = outcome.entry.summary, pool.contains("wikipedia") || search.engines.isEmpty,
            !down.contains("wikipedia")
        {
            infoboxes.append(
                SearXNGInfobox(
                    infobox: summary.name, id: summary.url, content: summary.text,
                    urls: [.init(title: "Wikipedia", url: summary.url)],
                    attributes: summary.attributes.map { .init(label: $0.name, value: $0.value) },
                    engine: "wikipedia", engines: ["wikipedia"]))
        }

        return SearXNGResponse(
            query: search.q,
            numberOfResults: configuration.omitNumberOfResults ? nil : configuration.numberOfResults,
            results: results,
            corrections: outcome.altered.map { [$0] } ?? [],
            infoboxes: infoboxes,
            suggestions: outcome.entry.suggestions,
            unresponsiveEngines: configuration.unresponsiveEngines.sorted { $0.name < $1.name })
    }

    static func csv(_ response: SearXNGResponse) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacing("\"", with: "\"\"") + "\"" : text
        }
        var lines = ["title,url,content,host,engine,score,type"]
        for result in response.results {
            let row = [result.title, result.url, result.content, result.parsedURL[1], result.engine, String(result.score), "result"]
            lines.append(row.map(field).joined(separator: ","))
        }
        for suggestion in response.suggestions {
            lines.append([suggestion, "", "", "", "", "", "suggestion"].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func rss(_ response: SearXNGResponse) -> String {
        let escape = ReplayHTTP.escapeHTML
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n"
        out += "<title>SearXNG search: \(escape(response.query))</title>\n"
        for result in response.results {
            out += "<item><title>\(escape(result.title))</title><link>\(escape(result.url))</link>"
            out += "<description>\(escape(result.content))</description></item>\n"
        }
        return out + "</channel>\n</rss>\n"
    }

    static func html(_ response: SearXNGResponse) -> String {
        let escape = ReplayHTTP.escapeHTML
        var out = "<!doctype html>\n<html lang=\"en\">\n<title>\(escape(response.query)) - SearXNG</title>\n<main id=\"results\">\n"
        for result in response.results {
            out += "<article class=\"result\"><h3><a href=\"\(escape(result.url))\">\(escape(result.title))</a></h3>"
            out += "<p class=\"content\">\(escape(result.content))</p></article>\n"
        }
        return out + "</main>\n</html>\n"
    }
}
