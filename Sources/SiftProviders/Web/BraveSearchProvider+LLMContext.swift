import FoundationEssentials
import SiftCore
import Synchronization

/// Brave's LLM Context endpoint (`GET /res/v1/llm/context`, on the Search plan), the provider's
/// ``BraveSearchProvider/Mode/llmContext`` (`SIFT_BRAVE_MODE=llm-context`).
///
/// Brave searches, reads the best pages itself and answers with the chunks of them that bear on
/// the query: `grounding.generic[{url, title, snippets}]`, with `sources[url] = {title,
/// hostname, age}` beside it. Each entry becomes a hit whose passages are those snippets, so the
/// ranker sees page text without Sift reading the page (the pipeline leaves a page unread when
/// its hit already holds enough text, ``PipelineConfiguration/enoughProviderText``).
///
/// The request honours the same per-request controls as web search: `sites` as `site:`
/// operators in `q`, `freshness` as Brave's `freshness`, `lang` as `search_lang`. Brave's
/// `safesearch` has no counterpart on this endpoint. Rate limits, the monthly quota and the
/// error envelope are the web search's (the same subscription, the same code); a key whose plan
/// lacks the endpoint (`400 OPTION_NOT_IN_PLAN`) fails with `not_in_plan`, and the provider
/// stops asking until it is rebuilt (a reload).
extension BraveSearchProvider {
    /// The path of the LLM Context endpoint.
    static let contextPath = "/res/v1/llm/context"
    /// Results Brave considers before it chooses what goes into the context (its default).
    static let contextResultsConsidered = 20

    /// The LLM Context request URL for `text` (without the key, which travels in a header).
    ///
    /// `count` is how many hits are wanted: it caps `maximum_number_of_urls`, while Brave still
    /// considers at least its default 20 results (`count`) to choose them from.
    func contextURL(for text: String, count: Int, controls: SearchControls = .init()) -> String {
        let urls = min(50, max(1, count))
        var query = QueryString()
        query.add("q", text)
        query.add("count", String(min(50, max(Self.contextResultsConsidered, urls))))
        query.add("maximum_number_of_urls", String(urls))
        query.add("maximum_number_of_tokens", String(min(32_768, max(1024, configuration.contextTokens))))
        // The reference spells the country enumeration in capitals (`US`); web search takes either.
        query.add("country", configuration.country?.uppercased())
        query.add("search_lang", controls.language.map(Self.braveLanguage) ?? configuration.searchLanguage)
        query.add("freshness", controls.freshness.map(Self.braveFreshness) ?? configuration.freshness)
        query.add("context_threshold_mode", configuration.contextThreshold)
        return trimmingTrailingSlashes(configuration.baseURL) + Self.contextPath + "?" + query.encoded
    }

    /// Hits from an LLM Context response, best first: one per `grounding.generic` entry, its
    /// snippets as passages, its date and host from `sources`. Entries without a URL or without
    /// any text are left out; `poi` and `map` (local results) are not read.
    static func decodeContext(_ body: [UInt8]) throws -> [SearchHit] {
        let response = try JSONDecoder().decode(BraveContextResponse.self, from: Data(body))
        let entries = (response.grounding?.generic ?? []).compactMap(\.value)
        let sources = response.sources ?? [:]
        var seen = Set<String>()
        var hits: [SearchHit] = []
        for entry in entries {
            guard let url = entry.url, !url.isEmpty, seen.insert(url).inserted else { continue }
            let snippets = (entry.snippets ?? []).compactMap { $0 }.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            guard !snippets.isEmpty else { continue }
            let source = sources[url]?.value
            let title = [entry.title, source?.title].compactMap { $0?.trimmingWhitespace() }.first { !$0.isEmpty } ?? url
            hits.append(
                SearchHit(
                    url: url, title: title, snippet: teaser(snippets), score: 0, published: source?.age?.date,
                    passages: snippets, collection: source?.hostname))
        }
        let count = Double(max(1, hits.count))
        for index in hits.indices { hits[index].score = (count - Double(index)) / count }
        return hits
    }

    /// The text shown for a hit: its first snippet that reads as prose (snippets may also be
    /// JSON-serialized tables or schemas), whitespace collapsed, cut to about 300 characters at a word.
    static func teaser(_ snippets: [String], limit: Int = 300) -> String {
        let prose = snippets.first { !($0.hasPrefix("{") || $0.hasPrefix("[")) } ?? snippets.first ?? ""
        let text = prose.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let end = cut.lastIndex(of: " ") ?? cut.endIndex
        return String(cut[..<end]) + "…"
    }
}

/// Remembers that Brave refused the key's plan, so that later queries fail without a request.
/// Lives as long as its provider: a reload builds a new one and asks again.
final class PlanRefusal: Sendable {
    private let refusal = Mutex<ProviderError?>(nil)

    /// The refusal, once there was one.
    var error: ProviderError? { refusal.withLock { $0 } }

    func record(_ error: ProviderError) {
        refusal.withLock { $0 = error }
    }
}

/// The parts of an LLM Context response Sift reads. Every field is optional and an entry that
/// does not decode is skipped rather than failing the whole answer.
struct BraveContextResponse: Decodable {
    struct Grounding: Decodable {
        var generic: [Lenient<Entry>]?
    }
    struct Entry: Decodable {
        var url: String?
        var title: String?
        var snippets: [String?]?
    }
    struct SourceInfo: Decodable {
        var title: String?
        var hostname: String?
        var age: Age?
    }
    /// `age`: documented as a list such as `["Wednesday, January 15, 2025", "2025-01-15",
    /// "392 days ago"]` or null; a single string is read too.
    struct Age: Decodable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String?].self) {
                values = list.compactMap { $0 }
            } else if let single = try? container.decode(String.self) {
                values = [single]
            } else {
                values = []
            }
        }

        /// The value that starts with a `YYYY-MM-DD` date, else the first.
        var date: String? {
            values.first { CalendarDate(String($0.prefix(10))) != nil } ?? values.first
        }
    }

    var grounding: Grounding?
    var sources: [String: Lenient<SourceInfo>]?
}

/// A value that is nil when it does not decode, instead of failing its container.
struct Lenient<Value: Decodable>: Decodable {
    var value: Value?

    init(from decoder: any Decoder) throws {
        value = try? Value(from: decoder)
    }
}

extension String {
    /// Without leading and trailing whitespace and newlines.
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
