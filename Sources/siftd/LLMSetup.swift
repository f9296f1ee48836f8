import Logging
import SiftCore
import SiftHTTPClient
import SiftProviders
import SiftServer

/// The synthesizer siftd answers with: an LLM over an OpenAI-compatible API when
/// one is configured, else the extractive synthesizer.
enum LLMSetup {
    static func synthesizer(
        _ settings: LLMConfiguration, client: HTTPClient, metrics: SiftMetrics, logger: Logger
    ) -> any Synthesizer {
        metrics.registerModels(settings.models)
        guard settings.enabled, let url = settings.url else {
            logger.info("answers are extractive; set SIFT_LLM_URL and SIFT_LLM_MODEL for LLM synthesis")
            return ExtractiveOnlySynthesizer(observer: metrics)
        }
        var configuration = ChatCompletionsClient.Configuration()
        configuration.firstTokenTimeout = settings.firstTokenTimeout
        configuration.tokenTimeout = settings.tokenTimeout
        let chat = ChatCompletionsClient(baseURL: url, apiKey: settings.apiKey, http: client, configuration: configuration, logger: logger)
        logger.info(
            "answers are written by an LLM",
            metadata: [
                "llm_url": "\(url)", "models": "\(settings.models.joined(separator: ","))",
                "context_tokens": "\(settings.contextTokens)", "key": "\(settings.apiKey == nil ? "none" : "set")",
            ])
        return LLMSynthesizer(
            chat: chat,
            configuration: .init(
                models: settings.models, contextTokens: settings.contextTokens, maxAnswerTokens: settings.maxTokens,
                merge: settings.merge),
            observer: metrics, logger: logger)
    }

    /// One line for `/readyz` and `--check-config`.
    static func describe(_ settings: LLMConfiguration) -> String {
        guard settings.enabled, let url = settings.url else { return "off (extractive answers)" }
        let mode = settings.models.count > 1 ? "compare " : ""
        return "\(mode)\(settings.models.joined(separator: ",")) at \(url), context \(settings.contextTokens) tokens"
    }
}
