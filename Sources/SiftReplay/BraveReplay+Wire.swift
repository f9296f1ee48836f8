// Brave's JSON, as documented at https://api.search.brave.com/app/documentation/web-search/responses
// (WebSearchApiResponse, Query, Search, SearchResult, MetaUrl, Profile, MixedResponse,
// News) and as error bodies are observed in the wild. Only the fields the replay fills.

struct BraveSearchResponse: Encodable {
    let type = "search"
    var query: BraveQuery
    var mixed: BraveMixed
    var news: BraveNews?
    var web: BraveWeb?
}

struct BraveQuery: Encodable {
    var original: String
    var altered: String?
    var show_strict_warning = false
    var is_navigational = false
    var is_news_breaking = false
    var spellcheck_off: Bool
    var country: String
    var bad_results = false
    var should_fallback = false
    var postal_code = ""
    var city = ""
    var header_country = ""
    var more_results_available: Bool
    var state = ""
}

struct BraveMixed: Encodable {
    struct Reference: Encodable {
        var type: String
        var index: Int?
        var all: Bool
    }

    let type = "mixed"
    var main: [Reference]
    var top: [Reference] = []
    var side: [Reference] = []
}

struct BraveWeb: Encodable {
    let type = "search"
    var results: [BraveWebResult]
    var family_friendly = true
}

struct BraveProfile: Encodable {
    var name: String
    var url: String
    var long_name: String
    var img: String
}

struct BraveMetaURL: Encodable {
    var scheme: String
    var netloc: String
    var hostname: String
    var favicon: String
    var path: String
}

struct BraveWebResult: Encodable {
    var title: String
    var url: String
    var is_source_local = false
    var is_source_both = false
    var description: String
    var page_age: String?
    var profile: BraveProfile
    var language: String
    var family_friendly = true
    let type = "search_result"
    let subtype = "generic"
    var is_live = false
    var meta_url: BraveMetaURL
    var age: String?
    var extra_snippets: [String]?
}

struct BraveNews: Encodable {
    let type = "news"
    var results: [BraveNewsResult]
    var mutated_by_goggles = false
}

struct BraveNewsResult: Encodable {
    var title: String
    var url: String
    var is_source_local = false
    var is_source_both = false
    var description: String
    var page_age: String?
    var family_friendly = true
    var meta_url: BraveMetaURL
    var breaking = false
    var is_live = false
    var age: String?
}

/// Brave's error envelope: `{"type":"ErrorResponse","error":{...},"time":<unix>}`.
struct BraveErrorEnvelope: Encodable {
    let type = "ErrorResponse"
    var error: BraveError
    var time: Int
}

struct BraveError: Encodable {
    var id: String
    var status: Int
    var code: String
    var detail: String
    var meta: BraveErrorMeta
}

/// One entry of `meta.errors` in a `VALIDATION` error (pydantic's shape: type, loc, msg).
struct BraveValidationIssue: Encodable, Equatable {
    var type: String
    var loc: [String]
    var msg: String
}

enum BraveErrorMeta: Encodable {
    case component(String)
    case validation([BraveValidationIssue])
    case limits(BraveLimitMeta)

    private enum Keys: String, CodingKey { case component, errors }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .component(let component):
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(component, forKey: .component)
        case .validation(let issues):
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(issues, forKey: .errors)
        case .limits(let meta):
            try meta.encode(to: encoder)
        }
    }
}

/// The `meta` of a `RATE_LIMITED` or `QUOTA_LIMITED` error, as observed in a real
/// `RATE_LIMITED` body (plan, rate_limit, rate_current, quota_limit, quota_current,
/// org_rate_limit: null, org_rate_current, component).
struct BraveLimitMeta: Encodable {
    var plan: String
    var rate_limit: Int
    var rate_current: Int
    var quota_limit: Int
    var quota_current: Int

    private enum Keys: String, CodingKey {
        case plan, rate_limit, rate_current, quota_limit, quota_current, org_rate_limit, org_rate_current, component
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(plan, forKey: .plan)
        try container.encode(rate_limit, forKey: .rate_limit)
        try container.encode(rate_current, forKey: .rate_current)
        try container.encode(quota_limit, forKey: .quota_limit)
        try container.encode(quota_current, forKey: .quota_current)
        try container.encodeNil(forKey: .org_rate_limit)
        try container.encode(0, forKey: .org_rate_current)
        try container.encode("rate_limiter", forKey: .component)
    }
}
