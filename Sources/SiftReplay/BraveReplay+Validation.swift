import HTTPTypes

/// A web search request's parameters after validation.
///
/// Documented (https://api.search.brave.com/app/documentation/web-search/query and the API
/// reference): q required, not empty, at most 400 characters and 50 words; count 1...20,
/// default 20; offset 0...9, default 0; safesearch off|moderate|strict, default moderate;
/// freshness pd|pw|pm|py|YYYY-MM-DDtoYYYY-MM-DD; country, search_lang and ui_lang are
/// enumerations; `Accept` is application/json or */*; `Cache-Control` may only be no-cache.
///
/// The errors follow pydantic v2, as observed in real 422 bodies: `{"type":"missing",
/// "loc":["query","q"],"msg":"Field required"}`, `{"type":"enum","loc":["query","search_lang"],
/// "msg":"Input should be 'ar', 'eu', ..."}`, `{"loc":["header","cache-control"],"msg":"Input
/// should be 'no-cache'"}`, and a missing token as `loc ["header","x-subscription-token"]`.
/// Guessed: the 50-word and freshness messages (Brave's own validators; their wording is not
/// published), that unknown `result_filter` values are ignored, and that `country` and
/// `ui_lang` are matched without regard to case.
struct BraveSearchRequest: Sendable, Equatable {
    enum Freshness: Sendable, Equatable {
        case pastDays(Int)
        case range(CalendarDay, CalendarDay)
    }

    var q: String
    var count = 20
    var offset = 0
    var country = "US"
    var searchLang = "en"
    var uiLang = "en-US"
    var safesearch = "moderate"
    var freshness: Freshness?
    var textDecorations = true
    var spellcheck = true
    var resultFilter: Set<String>?
    var extraSnippets = false

    static let countries = [
        "AR", "AU", "AT", "BE", "BR", "CA", "CL", "DK", "FI", "FR", "DE", "HK", "IN", "ID", "IT", "JP", "KR", "MY",
        "MX", "NL", "NZ", "NO", "CN", "PL", "PT", "PH", "RU", "SA", "ZA", "ES", "SE", "CH", "TW", "TR", "GB", "US",
        "ALL",
    ]
    static let searchLanguages = [
        "ar", "eu", "bn", "bg", "ca", "zh-hans", "zh-hant", "hr", "cs", "da", "nl", "en", "en-gb", "et", "fi", "fr",
        "gl", "de", "gu", "he", "hi", "hu", "is", "it", "jp", "kn", "ko", "lv", "lt", "ms", "ml", "mr", "nb", "pl",
        "pt-br", "pt-pt", "pa", "ro", "ru", "sr", "sk", "sl", "es", "sv", "ta", "te", "th", "tr", "uk", "vi",
    ]
    static let uiLanguages = [
        "es-AR", "en-AU", "de-AT", "nl-BE", "fr-BE", "pt-BR", "en-CA", "fr-CA", "es-CL", "da-DK", "fi-FI", "fr-FR",
        "de-DE", "zh-HK", "en-IN", "en-ID", "it-IT", "ja-JP", "ko-KR", "en-MY", "es-MX", "nl-NL", "en-NZ", "no-NO",
        "zh-CN", "pl-PL", "en-PH", "ru-RU", "en-ZA", "es-ES", "sv-SE", "fr-CH", "de-CH", "zh-TW", "tr-TR", "en-GB",
        "en-US", "es-US",
    ]
    static let resultTypes: Set<String> = [
        "discussions", "faq", "infobox", "news", "query", "summarizer", "videos", "web", "locations", "rich",
    ]

    /// Validates the query `parameters` and the request `headers`; the issues come in
    /// the order Brave's validator would list them (query first, then headers).
    static func parse(_ parameters: [ReplayParameter], headers: HTTPFields) -> Result<BraveSearchRequest, BraveIssues> {
        var reader = BraveParameterReader(parameters)
        var request = BraveSearchRequest(q: reader.query())
        if let country = reader.choice("country", countries, caseInsensitive: true) { request.country = country }
        if let language = reader.choice("search_lang", searchLanguages, caseInsensitive: false) {
            request.searchLang = language
        }
        if let language = reader.choice("ui_lang", uiLanguages, caseInsensitive: true) { request.uiLang = language }
        if let count = reader.integer("count", in: 1...20) { request.count = count }
        if let offset = reader.integer("offset", in: 0...9) { request.offset = offset }
        if let safesearch = reader.choice("safesearch", ["off", "moderate", "strict"], caseInsensitive: false) {
            request.safesearch = safesearch
        }
        request.freshness = reader.freshness()
        if let value = reader.boolean("text_decorations") { request.textDecorations = value }
        if let value = reader.boolean("spellcheck") { request.spellcheck = value }
        if let value = reader.boolean("extra_snippets") { request.extraSnippets = value }
        if let text = reader.values["result_filter"] {
            let wanted = Set(text.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() })
            request.resultFilter = wanted.intersection(resultTypes)
        }
        reader.checkHeaders(headers)
        return reader.issues.isEmpty ? .success(request) : .failure(BraveIssues(issues: reader.issues))
    }

    static func parseFreshness(_ text: String) -> Freshness? {
        switch text {
        case "pd": return .pastDays(1)
        case "pw": return .pastDays(7)
        case "pm": return .pastDays(31)
        case "py": return .pastDays(365)
        default:
            let parts = text.split(separator: "to", omittingEmptySubsequences: false)
            guard parts.count == 2, let start = CalendarDay(iso: parts[0]), let end = CalendarDay(iso: parts[1]),
                start <= end
            else { return nil }
            return .range(start, end)
        }
    }

    /// pydantic's way of listing allowed values: `'a', 'b' or 'c'`.
    static func listing(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " or " + quoted[quoted.count - 1]
    }

    /// Whether a page published on `day` passes the freshness filter, seen from `today`.
    func isFresh(_ day: CalendarDay?, today: CalendarDay) -> Bool {
        guard let freshness else { return true }
        guard let day else { return false }
        switch freshness {
        case .pastDays(let days):
            let age = today.daysSinceEpoch - day.daysSinceEpoch
            return age >= 0 && age <= days
        case .range(let start, let end):
            return start <= day && day <= end
        }
    }
}

/// The validation issues of a rejected request.
struct BraveIssues: Error, Equatable {
    var issues: [BraveValidationIssue]
}
