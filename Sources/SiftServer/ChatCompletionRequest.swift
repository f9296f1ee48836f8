import FoundationEssentials
import SiftCore

/// A `POST /v1/chat/completions` body, read the way OpenAI-compatible servers do: the fields
/// Sift uses are checked, every other field is ignored.
///
/// The last message must be the user's: it is the question. Earlier user and assistant
/// messages become the conversation's earlier turns (a chat UI's history is a follow-up);
/// `system` and `developer` messages, and tool messages, are accepted and ignored, since
/// Sift's answers are grounded in its sources and follow its own instructions.
struct ChatCompletionRequest: Sendable, Equatable {
    /// The `model` asked for, echoed in every chunk.
    var model: String
    /// The models that answer: nil for `sift` (the configured synthesizer), one for `sift:<model>`.
    var models: [String]?
    var question: String
    /// Earlier turns, oldest first (at most ``maxTurns``).
    var history: [ConversationTurn]
    var stream: Bool
    var includeUsage: Bool
    /// `sift_status_events`: nil leaves it to `SIFT_OPENAI_STATUS_EVENTS`.
    var statusEvents: Bool?
    var user: String?
    /// Accepted and checked; the answer's length is the operator's `SIFT_LLM_MAX_TOKENS`.
    var maxTokens: Int?
    /// Accepted and checked; grounded answers are not sampled at the client's temperature.
    var temperature: Double?
    /// The per-request search controls, as extra body fields (`sites`, `freshness`, `providers`,
    /// `max_sources`, `lang`), checked like every route's.
    var controls = SearchControls()

    /// The body fields of the search controls, as the message of a refused one names them.
    static let controlFields = ["sites", "freshness", "providers", "max_sources", "lang"]

    /// Earlier turns kept from `messages`, like a session's.
    static let maxTurns = 4
    /// Bytes kept of an earlier question and of an earlier answer.
    static let maxQuestionBytes = 2000
    static let maxAnswerBytes = 4000

    private struct Wire: Decodable {
        var model: String?
        var messages: [Message]?
        var stream: Bool?
        var streamOptions: StreamOptions?
        var maxTokens: Int?
        var maxCompletionTokens: Int?
        var temperature: Double?
        var n: Int?
        var user: String?
        var siftStatusEvents: Bool?
        /// A JSON list of names, or a comma list in one string.
        var sites: SiftRoutes.ModelList?
        var freshness: String?
        var providers: SiftRoutes.ModelList?
        var maxSources: Int?
        var lang: String?

        enum CodingKeys: String, CodingKey {
            case model, messages, stream
            case streamOptions = "stream_options"
            case maxTokens = "max_tokens"
            case maxCompletionTokens = "max_completion_tokens"
            case temperature, n, user
            case siftStatusEvents = "sift_status_events"
            case sites, freshness, providers, lang
            case maxSources = "max_sources"
        }
    }

    private struct StreamOptions: Decodable {
        var includeUsage: Bool?
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    private struct Message: Decodable {
        var role: String
        var content: Content?
    }

    /// A string, or an array of parts of which the `text` ones are read.
    private struct Content: Decodable {
        var text: String

        private struct Part: Decodable {
            var type: String
            var text: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else {
                let parts = try container.decode([Part].self)
                text = parts.filter { $0.type == "text" }.compactMap(\.text).joined(separator: "\n")
            }
        }
    }

    /// Parses and checks `body` against the models on offer.
    static func parse(_ body: [UInt8], models catalog: ChatModelCatalog) throws(ChatCompletionError) -> ChatCompletionRequest {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(body))
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw .invalid("The body must be a JSON object.")
        }
        guard let model = wire.model, !model.isEmpty else {
            throw .invalid("`model` is required: use `sift`, or one of GET /v1/models.", param: "model")
        }
        let models = try catalog.resolve(model)
        guard let messages = wire.messages, !messages.isEmpty else {
            throw .invalid("`messages` is required and must hold at least the user's question.", param: "messages")
        }
        if let n = wire.n, n != 1 {
            throw .invalid("Sift writes one answer per request: `n` must be 1.", param: "n")
        }
        for (name, value) in [("max_tokens", wire.maxTokens), ("max_completion_tokens", wire.maxCompletionTokens)] {
            if let value, value < 1 { throw .invalid("`\(name)` must be at least 1.", param: name) }
        }
        if let temperature = wire.temperature, !(0.0...2.0).contains(temperature) {
            throw .invalid("`temperature` must be between 0 and 2.", param: "temperature")
        }

        let controls: SearchControls
        do throws(QueryError) {
            controls = try SearchControls(
                sites: wire.sites?.items(of: "sites"), freshness: wire.freshness,
                providers: wire.providers?.items(of: "providers"), maxSources: wire.maxSources.map(String.init),
                language: wire.lang)
        } catch {
            throw ChatCompletionError(error, param: Self.field(in: error.message))
        }

        // The conversation: user and assistant turns; the last message is the question.
        let spoken = messages.filter { $0.role == "user" || $0.role == "assistant" }
        guard let last = spoken.last, last.role == "user" else {
            throw .invalid("The last message must be the user's question (role `user`).", param: "messages")
        }
        var turns: [ConversationTurn] = []
        var pending: String?
        for message in spoken.dropLast() {
            let text = message.content?.text ?? ""
            if message.role == "user" {
                if let question = pending { turns.append(Self.turn(question: question, answer: "")) }
                pending = text
            } else {
                turns.append(Self.turn(question: pending ?? "", answer: Self.answerText(text)))
                pending = nil
            }
        }
        if let question = pending { turns.append(Self.turn(question: question, answer: "")) }
        turns.removeAll { $0.question.isEmpty && $0.answer.isEmpty }

        return ChatCompletionRequest(
            model: model, models: models, question: last.content?.text ?? "", history: Array(turns.suffix(maxTurns)),
            stream: wire.stream ?? false, includeUsage: wire.streamOptions?.includeUsage ?? false,
            statusEvents: wire.siftStatusEvents, user: wire.user,
            maxTokens: wire.maxCompletionTokens ?? wire.maxTokens, temperature: wire.temperature, controls: controls)
    }

    /// The search control a refusal's message is about (nil: none of them).
    static func field(in message: String) -> String? {
        if message.contains("provider") { return "providers" }
        return controlFields.first { message.contains("`\($0)`") }
            ?? (message.contains("site") ? "sites" : message.contains("fresh") ? "freshness" : nil)
    }

    /// The query the question asks, with the conversation as its earlier turns (kept in no session).
    var queryRequest: QueryRequest {
        QueryRequest(bytes: Array(question.utf8), models: models, controls: controls, history: history)
    }

    private static func turn(question: String, answer: String) -> ConversationTurn {
        ConversationTurn(
            question: SessionStore.prefix(question, bytes: maxQuestionBytes),
            answer: SessionStore.prefix(answer, bytes: maxAnswerBytes), sources: [], passages: [])
    }

    /// An earlier answer without the "Sources" list Sift ended it with: the model reads the answer, not the list.
    static func answerText(_ content: String) -> String {
        let heading = Array(ChatCompletionFold.sourcesHeading.utf8)
        let bytes = Array(content.utf8)
        guard bytes.count >= heading.count else { return content }
        for start in stride(from: bytes.count - heading.count, through: 0, by: -1)
        where bytes[start] == heading[0] && bytes[start..<(start + heading.count)].elementsEqual(heading) {
            return String(decoding: bytes[..<start], as: UTF8.self)
        }
        return content
    }

    /// A decoding error as a 400 naming the field (`messages[1].content`).
    private static func describe(_ error: DecodingError) -> ChatCompletionError {
        func path(_ keys: [any CodingKey]) -> String? {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? nil : text
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return .invalid("`\(field ?? "body")` has the wrong type: \(Self.expected(field)).", param: field)
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .invalid("`\(field ?? key.stringValue)` is required.", param: field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return .invalid(field.map { "`\($0)` is not valid." } ?? "The body is not valid JSON.", param: field)
        @unknown default:
            return .invalid("The body is not a chat completion request.")
        }
    }

    private static func expected(_ field: String?) -> String {
        guard let field else { return "expected a JSON object" }
        if field.hasSuffix("content") { return "expected a string or an array of {\"type\":\"text\",\"text\":…} parts" }
        if field.hasPrefix("messages") { return "expected a list of {\"role\",\"content\"} messages" }
        return "see the OpenAI chat completions reference"
    }
}
