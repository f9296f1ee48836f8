import Logging
import SiftCore
import SiftHTTPClient
import SiftProviders
import SiftServer
import SiftText

/// What lives as long as the process and every configuration shares: the open index,
/// the metrics, the HTTP clients and cache, the sessions.
struct SharedParts: Sendable {
    let knowledgeBase: KnowledgeBase
    let metrics: SiftMetrics
    let web: WebTransport
    let llmClient: HTTPClient
    let sessions: any SessionStoring
    let analyzer: QueryAnalyzer
    /// The thread pool SQLite work (index searches, cache reads and writes) runs on (`SIFT_BLOCKING_THREADS`).
    let blocking: BlockingWorkExecutor
    let debugDeltaDelay: Duration?
    let logger: Logger
}

/// The part of siftd a configuration reload rebuilds: the providers, the synthesizer
/// and the pipeline with its limits, wrapped in a session runner.
struct QueryRuntime: Sendable {
    let runner: SessionRunner
    let web: WebSetup

    init(_ settings: SiftdConfiguration, shared: SharedParts) {
        let web = WebSetup(settings.web, transport: shared.web, logger: shared.logger)
        // SQLite (the index, the response cache) blocks its thread: those searches and fetches run on
        // a thread pool of their own (SIFT_BLOCKING_THREADS), not on the cooperative pool's few threads.
        let blocking = shared.blocking
        let providers: [any SearchProvider] = ([KnowledgeBaseProvider(knowledgeBase: shared.knowledgeBase)] + web.providers)
            .map { OffloadedSearchProvider($0, executor: blocking) }
        shared.metrics.registerProviders(providers.map(\.name))
        let llm = LLMSetup(settings.llm, client: shared.llmClient, metrics: shared.metrics, logger: shared.logger)
        var configuration = PipelineConfiguration(
            maxSources: settings.maxSources, maxPassages: settings.maxPassages, maxPages: settings.web.maxPages,
            fetchDeadline: settings.web.fetchDeadline)
        configuration.debugDeltaDelay = shared.debugDeltaDelay
        configuration.enoughProviderText = web.enoughProviderText
        let pipeline = Pipeline(
            analyzer: shared.analyzer, providers: providers, fetcher: web.fetcher.map { OffloadedPageFetcher($0, executor: blocking) }, ranker: BM25Ranker(),
            synthesizer: llm.synthesizer, observer: shared.metrics, configuration: configuration,
            sourceKey: { URLNormalizer.fusionKey($0) }, logger: shared.logger)
        self.runner = SessionRunner(
            inner: pipeline, analyzer: shared.analyzer, store: shared.sessions, metrics: shared.metrics)
        self.web = web
    }
}
