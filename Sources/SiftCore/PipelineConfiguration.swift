/// Budgets that bound one query's work.
public struct PipelineConfiguration: Sendable, Equatable {
    /// Hits asked of each provider.
    public var hitsPerProvider: Int
    /// Sources kept across providers.
    public var maxSources: Int
    /// Passages handed to the synthesizer (and sent in `ranked`).
    public var maxPassages: Int
    /// Passages considered per source before ranking.
    public var candidatesPerSource: Int
    /// How long one provider may take before it is given up with a warning.
    public var providerTimeout: Duration
    /// Web pages read per query (sources beyond it contribute their snippets only).
    public var maxPages: Int
    /// Pages read at the same time.
    public var fetchConcurrency: Int
    /// How long one page may take.
    public var pageTimeout: Duration
    /// How long reading may go on once every provider has answered; pages still
    /// loading then are given up and the answer is written from what arrived.
    public var fetchDeadline: Duration
    /// The `k` of reciprocal rank fusion: larger flattens the weight of top ranks.
    public var fusionK: Double
    /// A pause before each answer delta, for demos and for tests that need a
    /// stream to stay open (`SIFT_DEBUG_DELTA_DELAY_MS`); nil in production.
    public var debugDeltaDelay: Duration?
    /// Characters of page text a hit may already hold (``SearchHit/passages``, such as the
    /// snippets Brave's LLM Context extracts from the page) that make reading its page
    /// unnecessary; such a hit is not read and leaves its page budget to the others.
    /// Nil reads every page within ``maxPages``, whatever its hit holds.
    public var enoughProviderText: Int?

    public init(
        hitsPerProvider: Int = 10, maxSources: Int = 10, maxPassages: Int = 6, candidatesPerSource: Int = 12,
        providerTimeout: Duration = .seconds(5), maxPages: Int = 5, fetchConcurrency: Int = 4,
        pageTimeout: Duration = .seconds(4), fetchDeadline: Duration = .seconds(5), fusionK: Double = 60,
        debugDeltaDelay: Duration? = nil, enoughProviderText: Int? = nil
    ) {
        self.enoughProviderText = enoughProviderText
        self.maxPages = maxPages
        self.fetchConcurrency = fetchConcurrency
        self.pageTimeout = pageTimeout
        self.fetchDeadline = fetchDeadline
        self.fusionK = fusionK
        self.debugDeltaDelay = debugDeltaDelay
        self.hitsPerProvider = hitsPerProvider
        self.maxSources = maxSources
        self.maxPassages = maxPassages
        self.candidatesPerSource = candidatesPerSource
        self.providerTimeout = providerTimeout
    }
}

extension PipelineConfiguration {
    /// Whether the page behind `hit` is worth reading: always, unless the hit's passages already
    /// hold ``enoughProviderText`` characters.
    public func needsReading(_ hit: SearchHit) -> Bool {
        guard let enough = enoughProviderText else { return true }
        var held = 0
        for passage in hit.passages {
            held += passage.count
            if held >= enough { return false }
        }
        return true
    }
}
