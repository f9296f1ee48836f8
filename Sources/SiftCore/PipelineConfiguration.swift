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
    /// A pause before each answer delta, for demos and for tests that need a
    /// stream to stay open (`SIFT_DEBUG_DELTA_DELAY_MS`); nil in production.
    public var debugDeltaDelay: Duration?

    public init(
        hitsPerProvider: Int = 10, maxSources: Int = 10, maxPassages: Int = 6, candidatesPerSource: Int = 12,
        providerTimeout: Duration = .seconds(5), debugDeltaDelay: Duration? = nil
    ) {
        self.debugDeltaDelay = debugDeltaDelay
        self.hitsPerProvider = hitsPerProvider
        self.maxSources = maxSources
        self.maxPassages = maxPassages
        self.candidatesPerSource = candidatesPerSource
        self.providerTimeout = providerTimeout
    }
}
