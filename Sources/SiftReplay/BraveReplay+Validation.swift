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
        // Starlette hands a scalar parameter its last value.
        var values: [String: String] = [:]
        for parameter in parameters { values[parameter.name] = parameter.value }
        var issues: [BraveValidationIssue] = []
        func issue(_ type: String, _ name: String, _ message: String, in place: String = "query") {
            issues.append(BraveValidationIssue(type: type, loc: [place, name], msg: message))
        }

        var request = BraveSearchRequest(q: "")
        if let q = values["q"] {
            if q.isEmpty {
                issue("string_too_short", "q", "String should have at least 1 character")
            } else if q.count > 400 {
                issue("string_too_long", "q", "String should have at most 400 characters")
            } else if q.split(whereSeparator: { $0.isWhitespace }).count > 50 {
                issue("value_error", "q", "Value error, the query can have at most 50 words")
            }
            request.q = q
        } else {
            issue("missing", "q", "Field required")
        }

        func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
            guard let text = values[name] else { return nil }
            guard let value = Int(text.trimmingASCIISpaces()) else {
                issue("int_parsing", name, "Input should be a valid integer, unable to parse string as an integer")
                return nil
            }
            if value < range.lowerBound {
                issue("greater_than_equal", name, "Input should be greater than or equal to \(range.lowerBound)")
                return nil
            }
            if value > range.upperBound {
                issue("less_than_equal", name, "Input should be less than or equal to \(range.upperBound)")
                return nil
            }
            return value
        }
        func boolean(_ name: String) -> Bool? {
            guard let text = values[name] else { return nil }
            switch text.lowercased() {
            case "1", "on", "t", "true", "y", "yes": return true
            case "0", "off", "f", "false", "n", "no": return false
            default:
                issue("bool_parsing", name, "Input should be a valid boolean, unable to interpret input")
                return nil
            }
        }
        func choice(_ name: String, _ allowed: [String], caseInsensitive: Bool) -> String? {
            guard let text = values[name] else { return nil }
            if let match = allowed.first(where: { caseInsensitive ? $0.lowercased() == text.lowercased() : $0 == text }) {
                return match
            }
            issue("enum", name, "Input should be " + listing(allowed))
            return nil
        }

        if let country = choice("country", countries, caseInsensitive: true) { request.country = country }
        if let language = choice("search_lang", searchLanguages, caseInsensitive: false) { request.searchLang = language }
        if let language = choice("ui_lang", uiLanguages, caseInsensitive: true) { request.uiLang = language }
        if let count = integer("count", in: 1...20) { request.count = count }
        if let offset = integer("offset", in: 0...9) { request.offset = offset }
        if let safesearch = choice("safesearch", ["off", "moderate", "strict"], caseInsensitive: false) {
            request.safesearch = safesearch
        }
        if let text = values["freshness"] {
            if let freshness = parseFreshness(text) {
                request.freshness = freshness
            } else {
                issue(
                    "value_error", "freshness",
                    "Value error, freshness should be pd, pw, pm, py or a range YYYY-MM-DDtoYYYY-MM-DD")
            }
        }
        if let value = boolean("text_decorations") { request.textDecorations = value }
        if let value = boolean("spellcheck") { request.spellcheck = value }
        if let value = boolean("extra_snippets") { request.extraSnippets = value }
        if let text = values["result_filter"] {
            let wanted = Set(text.split(separator: ",").map { $0.trimmingASCIISpaces().lowercased() })
            request.resultFilter = wanted.intersection(resultTypes)
        }

        if let accept = headers[.accept] {
            let ranges = accept.split(separator: ",").map {
                ($0.split(separator: ";").first ?? "").trimmingASCIISpaces().lowercased()
            }
            if !ranges.contains(where: { ["application/json", "*/*", "application/*"].contains($0) }) {
                issue("enum", "accept", "Input should be 'application/json' or '*/*'", in: "header")
            }
        }
        if let cacheControl = headers[.cacheControl], cacheControl != "no-cache" {
            issue("literal_error", "cache-control", "Input should be 'no-cache'", in: "header")
        }

        return issues.isEmpty ? .success(request) : .failure(BraveIssues(issues: issues))
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
