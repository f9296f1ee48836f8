// SearXNG's JSON output (searx/webutils.py get_json_response and the result types in
// https://github.com/searxng/searxng): query, number_of_results (missing in some
// versions), results, answers, corrections, infoboxes, suggestions and
// unresponsive_engines as [name, reason] pairs sorted by name.

struct SearXNGResponse: Encodable {
    var query: String
    var numberOfResults: Int?
    var results: [SearXNGResult]
    var corrections: [String]
    var infoboxes: [SearXNGInfobox]
    var suggestions: [String]
    var unresponsiveEngines: [SearXNGReplay.UnresponsiveEngine]

    private enum Keys: String, CodingKey {
        case query, number_of_results, results, answers, corrections, infoboxes, suggestions, unresponsive_engines
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(query, forKey: .query)
        try container.encodeIfPresent(numberOfResults, forKey: .number_of_results)
        try container.encode(results, forKey: .results)
        try container.encode([String](), forKey: .answers)
        try container.encode(corrections, forKey: .corrections)
        try container.encode(infoboxes, forKey: .infoboxes)
        try container.encode(suggestions, forKey: .suggestions)
        try container.encode(unresponsiveEngines.map { [$0.name, $0.reason] }, forKey: .unresponsive_engines)
    }
}

struct SearXNGResult: Encodable {
    var url: String
    var title: String
    var content: String
    var engine: String
    var parsedURL: [String]
    var engines: [String]
    var positions: [Int]
    var score: Double
    var category: String
    var publishedDate: String?

    private enum Keys: String, CodingKey {
        case url, title, content, engine, template, parsed_url, img_src, thumbnail, priority, engines, positions,
            score, category, publishedDate
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(url, forKey: .url)
        try container.encode(title, forKey: .title)
        try container.encode(content, forKey: .content)
        try container.encode(engine, forKey: .engine)
        try container.encode("default.html", forKey: .template)
        try container.encode(parsedURL, forKey: .parsed_url)
        try container.encode("", forKey: .img_src)
        try container.encode("", forKey: .thumbnail)
        try container.encode("", forKey: .priority)
        try container.encode(engines, forKey: .engines)
        try container.encode(positions, forKey: .positions)
        try container.encode(score, forKey: .score)
        try container.encode(category, forKey: .category)
        if let publishedDate {
            try container.encode(publishedDate, forKey: .publishedDate)
        } else {
            try container.encodeNil(forKey: .publishedDate)
        }
    }
}

struct SearXNGInfobox: Encodable {
    struct Link: Encodable {
        var title: String
        var url: String
    }

    struct Attribute: Encodable {
        var label: String
        var value: String
    }

    var infobox: String
    var id: String
    var content: String
    var urls: [Link]
    var attributes: [Attribute]
    var engine: String
    var engines: [String]
}
