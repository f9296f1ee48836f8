import SiftCore

/// The options a query request may carry besides its question, from the URL
/// (`session`, `models`, `merge`) or from a JSON body.
struct QueryOptions: Sendable, Equatable {
    var session: String?
    var models: [String]?
    var merge = true
    /// What the request asks of the search.
    var controls = SearchControls()

    /// Most models one request may compare.
    static let maxModels = LLMConfiguration.maxModels

    /// Reads the URL parameters; a malformed value is a typed `bad_request`.
    static func parse(query: String?) throws(QueryError) -> QueryOptions {
        func text(_ name: String) throws(QueryError) -> String? {
            guard let bytes = QueryString.parameter(name, in: query) else { return nil }
            guard let value = String(validating: bytes, as: UTF8.self) else {
                throw QueryError.badRequest("The `\(name)` parameter is not valid UTF-8.")
            }
            return value
        }
        var options = try QueryOptions(session: text("session"), models: text("models"), merge: text("merge"))
        options.controls = try SearchControls(
            sites: text("sites").map(commaList), freshness: text("freshness"), providers: text("providers").map(commaList),
            maxSources: text("max_sources"), language: text("lang"))
        return options
    }

    /// `a,b, c` as its items.
    static func commaList(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }

    init(session: String? = nil, models: [String]? = nil, merge: Bool = true) {
        self.session = session
        self.models = models
        self.merge = merge
    }

    /// Validates raw values: `models` is a comma list, `merge` a boolean word.
    init(session: String?, models: String?, merge: String?) throws(QueryError) {
        if let session, !session.isEmpty {
            guard QueryID(session) != nil else {
                throw QueryError.badRequest(
                    "The `session` parameter must be the id a `query` event gave (letters, digits, - and _).")
            }
            self.session = session
        }
        if let models {
            self.models = try Self.validate(models: models.split(separator: ",").map(String.init))
        }
        if let merge {
            switch merge.lowercased() {
            case "", "1", "true", "yes", "on": self.merge = true
            case "0", "false", "no", "off": self.merge = false
            default: throw QueryError.badRequest("The `merge` parameter must be true or false, not “\(merge.prefix(40))”.")
            }
        }
    }

    /// Trims the names, drops repeats and checks each: 1–128 characters of letters, digits and `._:/@+-`;
    /// at most `limit` of them.
    static func validate(models names: [String], limit: Int? = maxModels) throws(QueryError) -> [String]? {
        let names = names.map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return nil }
        if let limit, names.count > limit {
            throw QueryError.badRequest("At most \(maxModels) models can answer one question; \(names.count) were asked for.")
        }
        for name in names {
            let allowed = name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || "._:/@+-".utf8.contains(byte)
            }
            guard allowed, name.utf8.count <= 128 else {
                throw QueryError.badRequest(
                    "The model name “\(name.prefix(40))” is not valid: use up to 128 letters, digits and . _ : / @ + -.")
            }
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    /// Refuses models outside `allowed` (nil: any), naming those that are offered.
    func check(allowed: Set<String>?) throws(QueryError) {
        try Self.check(models, allowed: allowed)
    }

    /// Refuses models outside `allowed` (nil: any), naming those that are offered.
    static func check(_ models: [String]?, allowed: Set<String>?) throws(QueryError) {
        guard let allowed, let models, let refused = models.first(where: { !allowed.contains($0) }) else { return }
        let offered = allowed.sorted().joined(separator: ", ")
        throw QueryError.badRequest(
            "The model “\(refused)” is not offered here; ask for \(offered.isEmpty ? "none" : offered) (the operator's SIFT_LLM_ALLOW_MODELS).")
    }
}
