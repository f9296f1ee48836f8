/// Hears what LLM synthesis does, so metrics can be derived without the client
/// knowing about them. `model` is a configured model's name, or `other` for a
/// model a request named (label values stay bounded).
public protocol LLMObserver: Sendable {
    /// A chat request ended: `outcome` is `ok`, `error` or `cancelled`.
    func llmRequestFinished(model: String, outcome: String)
    /// Tokens the model read (`prompt`) and wrote (`completion`), as it counted them or as estimated.
    func llmTokens(model: String, prompt: Int, completion: Int)
    /// The first token arrived `after` the request started.
    func llmFirstToken(model: String, after: Duration)
    /// The answer streamed at this many tokens a second, from its first token to its last.
    func llmGenerationRate(model: String, tokensPerSecond: Double)
    /// A request failed; `kind` is the ``LLMError`` code.
    func llmFailed(model: String, kind: String)
    /// The extractive synthesizer answered instead; `reason` is an ``LLMError`` code or `not_configured`.
    func llmFellBack(reason: String)
}

extension LLMObserver {
    public func llmRequestFinished(model: String, outcome: String) {}
    public func llmTokens(model: String, prompt: Int, completion: Int) {}
    public func llmFirstToken(model: String, after: Duration) {}
    public func llmGenerationRate(model: String, tokensPerSecond: Double) {}
    public func llmFailed(model: String, kind: String) {}
    public func llmFellBack(reason: String) {}
}

/// An observer that ignores everything.
public struct NoopLLMObserver: LLMObserver {
    public init() {}
}
