import Logging
import SiftCore
import SiftHTTPClient
import SiftProviders
import SiftServer

/// The synthesizer siftd answers with: an LLM over an OpenAI-compatible API when
/// one is configured, else the extractive synthesizer.
///
/// The LLM has its own libcurl client: an answer holds its connection for as long as
/// it streams (HTTP/1.1 servers such as llama-server and vLLM), so the LLM must not
/// queue behind, or crowd out, the page fetches' per-host connection cap.
struct LLMSetup {
    let synthesizer: any Synthesizer

    /// The client of the LLM API, a `Service` to run for the whole process, so that a
    /// reload can turn LLM synthesis on or point it elsewhere. Idle, it is one thread.
    static func makeClient(maxStreams: Int, caFile: String?, metrics: SiftMetrics, logger: Logger) throws -> HTTPClient {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.userAgent = "siftd/\(siftVersion)"
        clientConfiguration.name = "llm"
        clientConfiguration.caFile = caFile
        clientConfiguration.observer = PoolMetrics(metrics: metrics)
        // Every open stream may have a model request per compare lane.
        clientConfiguration.maxConnectionsPerHost = maxStreams * LLMConfiguration.maxModels
        clientConfiguration.maxTotalConnections = clientConfiguration.maxConnectionsPerHost
        return try HTTPClient(configuration: clientConfiguration, logger: logger)
    }

    init(_ settings: LLMConfiguration, client http: HTTPClient, metrics: SiftMetrics, logger: Logger) {
        metrics.registerModels(settings.models)
        guard settings.enabled, let url = settings.url else {
            logger.info("answers are extractive; set SIFT_LLM_URL and SIFT_LLM_MODEL for LLM synthesis")
            synthesizer = ExtractiveOnlySynthesizer(observer: metrics)
            return
        }
        var configuration = ChatCompletionsClient.Configuration()
        configuration.firstTokenTimeout = settings.firstTokenTimeout
        configuration.tokenTimeout = settings.tokenTimeout
        let chat = ChatCompletionsClient(baseURL: url, apiKey: settings.apiKey, http: http, configuration: configuration, logger: logger)
        logger.info(
            "answers are written by an LLM",
            metadata: [
                "llm_url": "\(url)", "models": "\(settings.models.joined(separator: ","))",
                "context_tokens": "\(settings.contextTokens)", "key": "\(settings.apiKey == nil ? "none" : "set")",
            ])
        synthesizer = LLMSynthesizer(
            chat: chat,
            configuration: .init(
                models: settings.models, contextTokens: settings.contextTokens, maxAnswerTokens: settings.maxTokens,
                merge: settings.merge, deltaWindow: settings.deltaWindow),
            observer: metrics, logger: logger)
    }

    /// One line for `/readyz` and `--check-config`.
    static func describe(_ settings: LLMConfiguration) -> String {
        guard settings.enabled, let url = settings.url else { return "off (extractive answers)" }
        let mode = settings.models.count > 1 ? "compare " : ""
        let key = settings.apiKey == nil ? "no key" : "key set"
        return "\(mode)\(settings.models.joined(separator: ",")) at \(url), context \(settings.contextTokens) tokens, \(key)"
    }
}
