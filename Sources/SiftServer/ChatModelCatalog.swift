import SiftCore

/// What the OpenAI-compatible surface offers, from the configuration in force (a reload
/// changes it for the next request): the models and whether progress events are sent.
///
/// - `sift` answers with the configured synthesizer (`SIFT_LLM_MODEL`, or extractive).
/// - `sift:<model>` answers with one LLM model a request may name (`SIFT_LLM_ALLOW_MODELS`
///   and the configured ones: the same rule as the `models=` option). Without an LLM there is
///   none; with `SIFT_LLM_ALLOW_MODELS=*` any well-formed name is taken, and the configured
///   ones are listed.
public struct ChatModelCatalog: Sendable, Equatable {
    /// `SIFT_LLM_MODEL`; empty when answers are extractive.
    public var configured: [String]
    /// Models a request may name; nil: any (`*`).
    public var allowed: Set<String>?
    /// `SIFT_OPENAI_STATUS_EVENTS`: send Open WebUI `event` objects unless a request says otherwise.
    public var statusEvents: Bool

    public init(configured: [String], allowed: Set<String>?, statusEvents: Bool = false) {
        self.configured = configured
        self.allowed = allowed
        self.statusEvents = statusEvents
    }

    /// The catalog of a server configuration.
    public init(_ configuration: SiftServerConfiguration) {
        self.init(
            configured: configuration.llmModels, allowed: configuration.allowedModels,
            statusEvents: configuration.openAIStatusEvents)
    }

    /// The model that answers when none is named.
    public static let base = "sift"

    /// Every model id `GET /v1/models` lists: `sift`, then `sift:<model>` for each model a request may name.
    public var ids: [String] {
        guard !configured.isEmpty else { return [Self.base] }
        let named = (allowed ?? []).union(configured).sorted()
        return [Self.base] + named.map { "\(Self.base):\($0)" }
    }

    /// The models a `model` field asks for: nil for `sift`; a 400 `model_not_found` for anything not on offer.
    func resolve(_ model: String) throws(ChatCompletionError) -> [String]? {
        if model == Self.base { return nil }
        let prefix = Self.base + ":"
        guard model.hasPrefix(prefix) else { throw notFound(model) }
        guard !configured.isEmpty else {
            throw ChatCompletionError.invalid(
                "The model “\(model.prefix(80))” does not exist: this Sift answers without an LLM, so only `sift` is offered.",
                param: "model", code: "model_not_found")
        }
        let name = String(model.dropFirst(prefix.count))
        let names: [String]?
        do {
            names = try QueryOptions.validate(models: [name], limit: 1)
        } catch {
            throw notFound(model)
        }
        guard let names, names.count == 1 else { throw notFound(model) }
        if let allowed, !allowed.contains(name), !configured.contains(name) { throw notFound(model) }
        return names
    }

    private func notFound(_ model: String) -> ChatCompletionError {
        ChatCompletionError.invalid(
            "The model “\(model.prefix(80))” does not exist here; use one of: \(ids.joined(separator: ", ")) (GET /v1/models).",
            param: "model", code: "model_not_found")
    }
}
