/// A numbered source, as shown to the client; citations `[n]` refer to ``n``.
public struct Source: Sendable, Equatable, Codable {
    /// 1-based citation number, in the order sources were found.
    public var n: Int
    public var url: String
    public var title: String
    public var snippet: String
    /// Every provider that found it.
    public var providers: [String]
    public var score: Double
    public var published: String?
    public var collection: String?

    public init(
        n: Int, url: String, title: String, snippet: String, providers: [String], score: Double,
        published: String? = nil, collection: String? = nil
    ) {
        self.n = n
        self.url = url
        self.title = title
        self.snippet = snippet
        self.providers = providers
        self.score = score
        self.published = published
        self.collection = collection
    }
}

/// A ranked passage of text taken from a source.
public struct Passage: Sendable, Equatable, Codable {
    /// 1-based rank among the selected passages.
    public var n: Int
    /// The ``Source/n`` it comes from.
    public var sourceN: Int
    /// Relevance score; higher is better.
    public var score: Double
    public var text: String

    public init(n: Int, sourceN: Int, score: Double, text: String) {
        self.n = n
        self.sourceN = sourceN
        self.score = score
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case n
        case sourceN = "source_n"
        case score
        case text
    }
}

/// Text from a source that may become a ranked passage.
public struct CandidatePassage: Sendable, Equatable {
    public var sourceN: Int
    public var text: String
    /// The source's title, which ranking may use (a headword that equals the query focus is strong evidence).
    public var title: String
    /// The source's fused search score, normalized to 0...1.
    public var sourceScore: Double

    public init(sourceN: Int, text: String, title: String, sourceScore: Double) {
        self.sourceN = sourceN
        self.text = text
        self.title = title
        self.sourceScore = sourceScore
    }
}

/// Scores candidate passages against the query and keeps the best, without near-duplicates.
public protocol PassageRanking: Sendable {
    /// Returns at most `limit` passages, best first, numbered from 1.
    func rank(_ candidates: [CandidatePassage], for query: AnalyzedQuery, limit: Int) -> [Passage]
}
