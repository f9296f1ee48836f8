import HTTPTypes

/// Reads a Brave request's query parameters and headers the way Brave's validator (pydantic v2
/// behind Starlette) does, collecting every issue instead of stopping at the first: shared by
/// the web search (``BraveSearchRequest``) and LLM Context (``BraveContextRequest``) replays.
struct BraveParameterReader {
    /// Each parameter's last value (Starlette hands a scalar parameter its last value).
    private(set) var values: [String: String] = [:]
    /// What is wrong so far, in the order found.
    private(set) var issues: [BraveValidationIssue] = []

    init(_ parameters: [ReplayParameter]) {
        for parameter in parameters { values[parameter.name] = parameter.value }
    }

    mutating func issue(_ type: String, _ name: String, _ message: String, in place: String = "query") {
        issues.append(BraveValidationIssue(type: type, loc: [place, name], msg: message))
    }

    /// `q`: required, not empty, at most 400 characters and 50 words.
    mutating func query() -> String {
        guard let q = values["q"] else {
            issue("missing", "q", "Field required")
            return ""
        }
        if q.isEmpty {
            issue("string_too_short", "q", "String should have at least 1 character")
        } else if q.count > 400 {
            issue("string_too_long", "q", "String should have at most 400 characters")
        } else if q.split(whereSeparator: { $0.isWhitespace }).count > 50 {
            issue("value_error", "q", "Value error, the query can have at most 50 words")
        }
        return q
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
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

    mutating func boolean(_ name: String) -> Bool? {
        guard let text = values[name] else { return nil }
        switch text.lowercased() {
        case "1", "on", "t", "true", "y", "yes": return true
        case "0", "off", "f", "false", "n", "no": return false
        default:
            issue("bool_parsing", name, "Input should be a valid boolean, unable to interpret input")
            return nil
        }
    }

    mutating func choice(_ name: String, _ allowed: [String], caseInsensitive: Bool) -> String? {
        guard let text = values[name] else { return nil }
        if let match = allowed.first(where: { caseInsensitive ? $0.lowercased() == text.lowercased() : $0 == text }) {
            return match
        }
        issue("enum", name, "Input should be " + BraveSearchRequest.listing(allowed))
        return nil
    }

    /// `freshness`: `pd`, `pw`, `pm`, `py` or `YYYY-MM-DDtoYYYY-MM-DD`.
    mutating func freshness() -> BraveSearchRequest.Freshness? {
        guard let text = values["freshness"] else { return nil }
        if let freshness = BraveSearchRequest.parseFreshness(text) { return freshness }
        issue("value_error", "freshness", "Value error, freshness should be pd, pw, pm, py or a range YYYY-MM-DDtoYYYY-MM-DD")
        return nil
    }

    /// `Accept` must allow JSON; `Cache-Control` may only be `no-cache`.
    mutating func checkHeaders(_ headers: HTTPFields) {
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
    }
}
