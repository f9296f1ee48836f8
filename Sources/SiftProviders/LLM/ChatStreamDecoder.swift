/// Turns the events of an OpenAI chat-completions stream into ``ChatStreamEvent``s and
/// knows whether the stream ended properly. No I/O: fed one server-sent event at a time.
///
/// - `data: [DONE]` ends the stream; anything after it is ignored.
/// - A role-only chunk and empty content yield nothing.
/// - The first `finish_reason` yields `.finished`; a stream that reaches `[DONE]`
///   without one yields `.finished(reason: nil)` there, so a complete stream always
///   has exactly one.
/// - `{"error": …}` as data, or an `event: error`, fails with `upstream`.
/// - Data that is not a JSON chunk of the expected shape fails with `malformed`.
/// - Other named events (`event: ping`, …) are ignored.
struct ChatStreamDecoder {
    let context: LLMErrorContext
    /// `[DONE]` arrived.
    private(set) var isDone = false
    /// A choice reported its `finish_reason`.
    private(set) var hasFinished = false

    init(context: LLMErrorContext) {
        self.context = context
    }

    /// The events `event` carries.
    mutating func decode(_ event: ServerSentEvent) throws(LLMError) -> [ChatStreamEvent] {
        guard !isDone else { return [] }
        if event.type == "error" {
            throw .upstream(Self.errorDetail(event.data), context: context)
        }
        guard event.type == "message" else { return [] }
        let data = event.data.trimmingSpaces()
        if data.isEmpty { return [] }
        if data == "[DONE]" {
            isDone = true
            if hasFinished { return [] }
            hasFinished = true
            return [.finished(reason: nil)]
        }
        let chunk: ChatCompletionWire
        do {
            chunk = try ChatCompletionWire.decode(data.utf8)
        } catch {
            throw .malformed(
                "a chunk that is not a chat.completion.chunk: \(LLMError.excerpt(data, limit: 160))", context: context)
        }
        if let detail = chunk.error {
            throw .upstream(detail, context: context)
        }
        return events(from: chunk)
    }

    /// The body ended. Lenient: a stream whose choice finished but that never sent
    /// `[DONE]` is complete; one that did neither was cut short.
    func finish() throws(LLMError) {
        guard isDone || hasFinished else {
            throw .malformed("a stream that ended before the answer was finished (no finish_reason, no [DONE])", context: context)
        }
    }

    /// The events of a whole `chat.completion` (a server that ignored `"stream": true`):
    /// its content once, then usage, then `.finished`.
    static func completion(_ body: [UInt8], context: LLMErrorContext) throws(LLMError) -> [ChatStreamEvent] {
        let completion: ChatCompletionWire
        do {
            completion = try ChatCompletionWire.decode(body)
        } catch {
            throw .malformed(
                "a JSON body that is not a chat completion: \(LLMError.plainText(Array(body.prefix(300))))", context: context)
        }
        if let detail = completion.error {
            throw .upstream(detail, context: context)
        }
        let choice = completion.firstChoice
        var events: [ChatStreamEvent] = []
        if let text = choice?.message?.content ?? choice?.delta?.content, !text.isEmpty {
            events.append(.content(text))
        }
        if let usage = completion.usage { events.append(.usage(usage)) }
        if let timings = completion.timings { events.append(.timings(timings)) }
        events.append(.finished(reason: choice?.finishReason))
        return events
    }

    private mutating func events(from chunk: ChatCompletionWire) -> [ChatStreamEvent] {
        var events: [ChatStreamEvent] = []
        if let choice = chunk.firstChoice {
            if let text = choice.delta?.content ?? choice.message?.content, !text.isEmpty {
                events.append(.content(text))
            }
            if let reason = choice.finishReason, !hasFinished {
                hasFinished = true
                events.append(.finished(reason: reason))
            }
        }
        if let usage = chunk.usage { events.append(.usage(usage)) }
        if let timings = chunk.timings { events.append(.timings(timings)) }
        return events
    }

    /// The error an `event: error` carries: a JSON error object (wrapped in
    /// `{"error": …}` or not), or plain text.
    static func errorDetail(_ data: String) -> UpstreamErrorDetail {
        let bytes = Array(data.utf8)
        if let detail = UpstreamErrorDetail.parse(body: bytes) { return detail }
        let text = LLMError.plainText(bytes)
        return UpstreamErrorDetail(message: text.isEmpty ? nil : text)
    }
}
