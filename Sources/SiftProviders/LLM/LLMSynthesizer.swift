import Logging
import SiftCore
import SiftText
import Synchronization

/// Streams chat completions; ``ChatCompletionsClient`` is the production one.
public protocol ChatStreaming: Sendable {
    /// Streams `request`'s answer to `onEvent`, one event at a time; returns when it is complete,
    /// throws ``LLMError`` or `CancellationError`.
    func stream(_ request: ChatRequest, onEvent: @Sendable (ChatStreamEvent) async throws -> Void) async throws
}

extension ChatCompletionsClient: ChatStreaming {}

/// Writes answers with an LLM over an OpenAI-compatible chat API, grounded in the
/// ranked passages and citing them as `[n]`.
///
/// - The prompt fits ``Configuration/contextTokens`` (``GroundedPrompt``); when the
///   server reports a context overflow all the same, it is rebuilt at half the size once.
/// - Citations to sources that do not exist are removed as the text streams
///   (``CitationFilter``), and a `warning` says which.
/// - When the model fails before it wrote anything, the extractive answer is written
///   instead; when it fails in mid-answer, the extractive answer follows what it wrote.
///   Either way a `warning` names the failure and the stream goes on to `done`.
/// - Several models (compare mode) answer in parallel, each in its own lane, and a
///   merge step then says where they agree and where they differ.
public struct LLMSynthesizer: Synthesizer {
    public struct Configuration: Sendable, Equatable {
        /// Models answering by default; several mean compare mode.
        public var models: [String]
        /// The model's context window, in tokens.
        public var contextTokens: Int
        /// Tokens kept for the answer.
        public var maxAnswerTokens: Int
        public var temperature: Double
        /// Whether compare mode ends with a merged answer (a request may turn it off).
        public var merge: Bool
        /// How long answer text may gather before it is sent as one `delta`: one delta per
        /// token for a model writing a few dozen tokens a second, fewer and larger ones for a
        /// fast API, so that a client's event buffer holds whole answers (compare mode has
        /// several at once). Zero sends every token as its own delta.
        public var deltaWindow: Duration

        public init(
            models: [String], contextTokens: Int = 4096, maxAnswerTokens: Int = 400, temperature: Double = 0.2,
            merge: Bool = true, deltaWindow: Duration = .milliseconds(15)
        ) {
            self.models = models
            self.contextTokens = contextTokens
            self.maxAnswerTokens = maxAnswerTokens
            self.temperature = temperature
            self.merge = merge
            self.deltaWindow = deltaWindow
        }
    }

    public let name = "llm"
    /// It waits on the model's stream; its extractive fallback is rare enough to run outside a CPU slot.
    public var isRemote: Bool { true }
    let chat: any ChatStreaming
    let configuration: Configuration
    let fallback: ExtractiveSynthesizer
    let observer: any LLMObserver
    let logger: Logger

    public init(
        chat: any ChatStreaming, configuration: Configuration, fallback: ExtractiveSynthesizer = ExtractiveSynthesizer(),
        observer: any LLMObserver = NoopLLMObserver(), logger: Logger
    ) {
        self.chat = chat
        self.configuration = configuration
        self.fallback = fallback
        self.observer = observer
        self.logger = logger
    }

    /// Writes the answer in a child task (compare mode: one per model) and passes each piece to
    /// `output` from this task. The writers wait until a piece is taken, so a slow consumer slows
    /// the model's stream; `output` throwing or this task being cancelled cancels the writers,
    /// which cancels the chat requests and their transfers.
    public func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        let handoff = SynthesisHandoff()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await write(request, to: Output(handoff: handoff))
                    handoff.finish()
                } catch {
                    handoff.finish(throwing: error)
                }
            }
            do {
                while let piece = try await handoff.next() { try await output(piece) }
            } catch {
                handoff.cancel()
                group.cancelAll()
                throw error
            }
        }
    }

    /// Hands pieces to the consumer; a consumer that went away fails the writer with `CancellationError`.
    struct Output: Sendable {
        let handoff: SynthesisHandoff
        func send(_ output: SynthesisOutput) async throws {
            try await handoff.send(output)
        }
    }

    func write(_ request: SynthesisRequest, to output: Output) async throws {
        let models = request.models ?? configuration.models
        guard !request.passages.isEmpty, let first = models.first else {
            // Nothing to ground an answer in: the extractive synthesizer says so plainly.
            try await extractive(request, to: output, fellBack: false)
            return
        }
        // When the sources do not state what the question asks (no passage names the capital of an
        // invented country), no model is asked: it would only guess. The extractive answer says so
        // plainly, and the pipeline reports `no_answer`.
        if !fallback.compose(query: request.query, sources: request.sources, passages: request.passages).answered {
            try await extractive(request, to: output, fellBack: false)
            return
        }
        if models.count == 1 {
            try await single(request, model: first, to: output)
        } else {
            try await compare(request, models: models, to: output)
        }
    }

    // MARK: One model

    func single(_ request: SynthesisRequest, model: String, to output: Output) async throws {
        do {
            let result = try await answer(request, model: model, lane: nil, to: output)
            try await warnAboutCitations(result, model: model, to: output)
            try await output.send(
                .finished(
                    SynthesisSummary(
                        synthesizer: model, tokens: result.completionTokens, tokensPerSecond: result.tokensPerSecond,
                        answered: !Abstention.declines(result.text))))
        } catch let failure as LaneFailure {
            observer.llmFellBack(reason: failure.code)
            try await output.send(.warning(failure.warning(model: model, afterText: failure.wroteText)))
            if failure.wroteText { try await output.send(.text("\n\n", model: nil)) }
            try await extractive(request, to: output, fellBack: true)
        }
    }

    /// The extractive answer, then its summary.
    func extractive(_ request: SynthesisRequest, to output: Output, fellBack: Bool) async throws {
        try await fallback.synthesize(request) { piece in
            switch piece {
            case .finished(var summary):
                summary.fellBack = fellBack
                try await output.send(.finished(summary))
            default:
                try await output.send(piece)
            }
        }
    }

    // MARK: Compare mode

    func compare(_ request: SynthesisRequest, models: [String], to output: Output) async throws {
        let results = try await withThrowingTaskGroup(of: (Int, LaneResult?).self) { group in
            for (index, model) in models.enumerated() {
                group.addTask {
                    try await output.send(.lane(.init(model: model, state: .started)))
                    do {
                        let result = try await answer(request, model: model, lane: model, to: output)
                        try await warnAboutCitations(result, model: model, to: output)
                        try await output.send(
                            .lane(
                                .init(
                                    model: model, state: .done, tokens: result.completionTokens,
                                    firstTokenMs: result.firstTokenMs, tokensPerSecond: result.tokensPerSecond)))
                        return (index, result)
                    } catch let failure as LaneFailure {
                        try await output.send(.warning(failure.warning(model: model, afterText: failure.wroteText)))
                        try await output.send(.lane(.init(model: model, state: .failed, reason: failure.error.message)))
                        return (index, nil)
                    }
                }
            }
            var results = [LaneResult?](repeating: nil, count: models.count)
            for try await (index, result) in group { results[index] = result }
            return results
        }
        let answered = zip(models, results).compactMap { model, result in result.map { (model: model, result: $0) } }
        guard !answered.isEmpty else {
            observer.llmFellBack(reason: "all_models_failed")
            try await output.send(
                .warning(
                    .init(
                        code: "llm_all_failed",
                        message: "None of the models (\(models.joined(separator: ", "))) answered; this answer is extractive, quoted from the sources.")))
            try await extractive(request, to: output, fellBack: true)
            return
        }
        if answered.count == 1 {
            // One model answered: its answer is the answer.
            let only = answered[0]
            for piece in ExtractiveSynthesizer.deltas(of: only.result.text, wordsPerDelta: 4) {
                try await output.send(.text(piece, model: nil))
            }
            try await output.send(
                .finished(
                    SynthesisSummary(
                        synthesizer: only.model, tokens: only.result.completionTokens,
                        tokensPerSecond: only.result.tokensPerSecond)))
            return
        }
        let laneNames = answered.map(\.model).joined(separator: "+")
        let merge = request.merge && configuration.merge && answered.count > 1
        if merge {
            let mergeModel = answered[0].model
            do {
                let result = try await merged(request, answers: answered.map { ($0.model, $0.result.text) }, model: mergeModel, to: output)
                try await output.send(
                    .finished(
                        SynthesisSummary(
                            synthesizer: "\(laneNames) merged by \(mergeModel)", tokens: result.completionTokens,
                            tokensPerSecond: result.tokensPerSecond)))
                return
            } catch let failure as LaneFailure {
                try await output.send(.warning(failure.warning(model: mergeModel, afterText: failure.wroteText, merging: true)))
                if failure.wroteText { try await output.send(.text("\n\n", model: nil)) }
            }
        }
        // Without a merge (or when it failed), the answer compares what the lanes cited.
        let comparison = CompareSummary(answers: answered.map { ($0.model, $0.result.text) }).text
        for piece in ExtractiveSynthesizer.deltas(of: comparison, wordsPerDelta: 4) { try await output.send(.text(piece, model: nil)) }
        try await output.send(.finished(SynthesisSummary(synthesizer: laneNames)))
    }

    func merged(
        _ request: SynthesisRequest, answers: [(String, String)], model: String, to output: Output
    ) async throws -> LaneResult {
        let budget = PromptBudget(contextTokens: configuration.contextTokens, maxAnswerTokens: configuration.maxAnswerTokens)
        let prompt: MergePrompt
        do {
            prompt = try MergePrompt(
                question: request.question, sources: request.sources,
                answers: answers.map { (model: $0.0, answer: $0.1) }, budget: budget)
        } catch {
            throw LaneFailure(error: LLMError(.contextOverflow, "\(error)"), wroteText: false)
        }
        return try await stream(
            messages: prompt.messages, estimatedPromptTokens: prompt.estimatedTokens,
            shrunk: { factor in (try? prompt.shrunk(by: factor)).map { ($0.messages, $0.estimatedTokens) } }, model: model,
            sources: request.sources, passages: request.passages, lane: nil, to: output)
    }

    // MARK: One chat request

    /// What one model's answer came to.
    struct LaneResult: Sendable {
        var text: String
        var completionTokens: Int
        var firstTokenMs: Double?
        var tokensPerSecond: Double?
        var removedCitations: [Int]
        /// Citations Sift added to sentences the model left uncited.
        var attributed: [Int]
        var citedCount: Int
    }

    /// A model that failed; `wroteText` tells whether some of its answer was already sent.
    struct LaneFailure: Error {
        var error: LLMError
        var wroteText: Bool
        /// The metric and warning code: the error's, or `empty_answer`.
        var code: String

        init(error: LLMError, wroteText: Bool, code: String? = nil) {
            self.error = error
            self.wroteText = wroteText
            self.code = code ?? error.code
        }

        func warning(model: String, afterText: Bool, merging: Bool = false) -> PipelineEvent.Warning {
            let what = merging ? "merging the answers" : "answering"
            let next =
                merging
                ? "The answer below compares the models' answers instead."
                : afterText
                    ? "Its answer stops here; what follows is extractive, quoted from the sources."
                    : "This answer is extractive, quoted from the sources."
            return PipelineEvent.Warning(
                code: "llm_\(code)", message: "The language model \(model) failed while \(what): \(error.message) \(next)",
                model: model)
        }
    }

    /// Streams one model's grounded answer to `lane` (nil: the answer itself).
    func answer(
        _ request: SynthesisRequest, model: String, lane: String?, to output: Output
    ) async throws -> LaneResult {
        let budget = PromptBudget(contextTokens: configuration.contextTokens, maxAnswerTokens: configuration.maxAnswerTokens)
        let prompt: GroundedPrompt
        do {
            prompt = try GroundedPrompt(
                question: request.question, sources: request.sources, passages: request.passages,
                priorTurns: request.history.map(Self.priorTurn), budget: budget)
        } catch {
            throw LaneFailure(error: LLMError(.contextOverflow, "\(error)"), wroteText: false)
        }
        logger.debug(
            "prompt built",
            metadata: [
                "model": "\(model)", "estimated_tokens": "\(prompt.estimatedTokens)",
                "dropped_passages": "\(prompt.droppedPassages)", "sources": "\(prompt.included)",
            ])
        return try await stream(
            messages: prompt.messages, estimatedPromptTokens: prompt.estimatedTokens,
            shrunk: { factor in (try? prompt.shrunk(by: factor)).map { ($0.messages, $0.estimatedTokens) } }, model: model,
            sources: request.sources, passages: request.passages, lane: lane, to: output)
    }

    static func priorTurn(_ turn: ConversationTurn) -> PriorTurn {
        PriorTurn(
            question: turn.question, answer: turn.answer,
            citations: turn.sources.map { PriorTurn.Citation(n: $0.n, title: $0.title, url: $0.url) })
    }

    /// The metric label of `model`: its name when configured, `other` when only a request named it.
    func label(_ model: String) -> String {
        configuration.models.contains(model) ? model : "other"
    }

    /// One attempt's state, touched by the chat client's callback one event at a time.
    struct Attempt: Sendable {
        var filter: CitationFilter
        /// After the citation filter: links only to the sources.
        var links: LinkFilter
        var attributor: CitationAttributor
        var text = ""
        var pending = ""
        var tokens = 0
        var usage: ChatUsage?
        let start = ContinuousClock.now
        var firstToken: ContinuousClock.Instant?
        var lastToken: ContinuousClock.Instant
        var lastSent: ContinuousClock.Instant
        let deltaWindow: Duration

        init(sources: [Source], passages: [Passage], deltaWindow: Duration) {
            filter = CitationFilter(validNumbers: Set(sources.map(\.n)))
            links = LinkFilter(sourceURLs: sources.map(\.url))
            attributor = CitationAttributor(passages: passages)
            lastToken = start
            lastSent = start
            self.deltaWindow = deltaWindow
        }

        /// Adds `piece` to what waits to be sent and returns what should go now: the first
        /// text at once, then whatever gathered over ``Configuration/deltaWindow``.
        mutating func release(_ piece: String, force: Bool) -> String? {
            pending += piece
            let now = ContinuousClock.now
            guard !pending.isEmpty, force || text.isEmpty || lastSent.duration(to: now) >= deltaWindow
            else { return nil }
            defer {
                text += pending
                pending = ""
                lastSent = now
            }
            return pending
        }
    }

    /// Streams one chat request's answer through the citation and link filters and the attributor.
    ///
    /// `estimatedPromptTokens` is counted when the server reports no usage.
    func stream(
        messages: [ChatMessage], estimatedPromptTokens: Int, shrunk: (Double) -> (messages: [ChatMessage], tokens: Int)?,
        model: String, sources: [Source], passages: [Passage], lane: String?, to output: Output
    ) async throws -> LaneResult {
        let label = label(model)
        let observer = self.observer
        var messages = messages
        var promptTokens = estimatedPromptTokens
        var retriedSmaller = false
        while true {
            let attempt = Mutex(Attempt(sources: sources, passages: passages, deltaWindow: configuration.deltaWindow))
            /// Counts what the request cost, whatever its outcome.
            func countTokens() {
                let (usage, tokens) = attempt.withLock { ($0.usage, $0.tokens) }
                observer.llmTokens(
                    model: label, prompt: usage?.promptTokens ?? promptTokens, completion: usage?.completionTokens ?? tokens)
                Spending.meter?.tokens((usage?.promptTokens ?? promptTokens) + (usage?.completionTokens ?? tokens))
            }
            do {
                let request = ChatRequest(
                    model: model, messages: messages, maxTokens: configuration.maxAnswerTokens,
                    temperature: configuration.temperature)
                try await chat.stream(request) { event in
                    try Task.checkCancellation()
                    let released = attempt.withLock { state -> String? in
                        switch event {
                        case .content(let piece):
                            let now = ContinuousClock.now
                            if state.firstToken == nil {
                                state.firstToken = now
                                observer.llmFirstToken(model: label, after: state.start.duration(to: now))
                            }
                            state.lastToken = now
                            state.tokens += 1
                            let filtered = state.attributor.feed(state.links.feed(state.filter.feed(piece)))
                            return state.release(filtered, force: false)
                        case .usage(let reported):
                            state.usage = reported
                            return nil
                        case .finished, .timings: return nil
                        }
                    }
                    // Awaited: while the consumer has not taken the text, the transfer stays paused.
                    if let released { try await output.send(.text(released, model: lane)) }
                }
                try Task.checkCancellation()
                let rest = attempt.withLock { state -> String? in
                    let rest =
                        state.attributor.feed(state.links.feed(state.filter.finish()) + state.links.finish())
                        + state.attributor.finish()
                    return state.release(rest, force: true)
                }
                if let rest { try await output.send(.text(rest, model: lane)) }
            } catch {
                countTokens()
                if Task.isCancelled || error is CancellationError {
                    observer.llmRequestFinished(model: label, outcome: "cancelled")
                    throw CancellationError()
                }
                let failure = error as? LLMError ?? LLMError(.connection, "\(error)")
                let begun = attempt.withLock { $0.firstToken != nil }
                if failure.kind == .contextOverflow, !begun, !retriedSmaller, let smaller = shrunk(0.5) {
                    // Not an error yet: the retry may fit.
                    logger.notice(
                        "the model's context was smaller than configured; retrying with half the prompt",
                        metadata: ["model": "\(model)", "error": "\(failure.message)"])
                    (messages, promptTokens) = smaller
                    retriedSmaller = true
                    continue
                }
                observer.llmFailed(model: label, kind: failure.code)
                observer.llmRequestFinished(model: label, outcome: "error")
                // What the model wrote before it failed, including text held back, reaches the client.
                let (held, wrote) = attempt.withLock { state -> (String?, Bool) in
                    let held = state.release(state.filter.finish(), force: true)
                    return (held, !state.text.isEmpty)
                }
                if let held { try? await output.send(.text(held, model: lane)) }
                logger.warning(
                    "the language model failed",
                    metadata: [
                        "model": "\(model)", "kind": "\(failure.code)", "error": "\(failure.message)", "after_text": "\(wrote)",
                    ])
                throw LaneFailure(error: failure, wroteText: wrote)
            }
            countTokens()
            let state = attempt.withLock { $0 }
            guard let firstToken = state.firstToken, !state.text.allSatisfy(\.isWhitespace) else {
                observer.llmFailed(model: label, kind: "empty_answer")
                observer.llmRequestFinished(model: label, outcome: "error")
                logger.warning("the language model failed", metadata: ["model": "\(model)", "kind": "empty_answer"])
                throw LaneFailure(
                    error: LLMError(.malformed, "it returned an empty answer."), wroteText: false, code: "empty_answer")
            }
            observer.llmRequestFinished(model: label, outcome: "ok")
            let completion = state.usage?.completionTokens ?? state.tokens
            var rate: Double?
            let generation = milliseconds(firstToken.duration(to: state.lastToken)) / 1000
            if completion > 1, generation > 0 {
                let value = Double(completion - 1) / generation
                observer.llmGenerationRate(model: label, tokensPerSecond: value)
                rate = value
            }
            return LaneResult(
                text: state.text, completionTokens: completion,
                firstTokenMs: milliseconds(state.start.duration(to: firstToken)), tokensPerSecond: rate,
                removedCitations: state.filter.removed, attributed: state.attributor.attributed,
                citedCount: state.filter.cited.count + state.attributor.attributed.count)
        }
    }

    /// Says which citations were removed, and when an answer cites nothing.
    func warnAboutCitations(_ result: LaneResult, model: String, to output: Output) async throws {
        if !result.removedCitations.isEmpty {
            let list = result.removedCitations.map { "[\($0)]" }.joined(separator: ", ")
            try await output.send(
                .warning(
                    .init(
                        code: "citation_removed",
                        message: "Removed \(list) from the answer: the model cited a source that does not exist.",
                        model: model)))
        }
        if !result.attributed.isEmpty {
            var seen = Set<Int>()
            let list = result.attributed.filter { seen.insert($0).inserted }.map { "[\($0)]" }.joined(separator: ", ")
            try await output.send(
                .warning(
                    .init(
                        code: "citations_attributed",
                        message: "The model cited no source for \(result.attributed.count) sentence(s); Sift added \(list) where one passage supports the sentence.",
                        model: model)))
        }
        if result.citedCount == 0 {
            try await output.send(
                .warning(
                    .init(
                        code: "uncited_answer",
                        message: "The model's answer cites no source; check it against the sources before relying on it.",
                        model: model)))
        }
    }
}

/// A compare-mode answer written without a model: which sources the lanes agree on and which one lane alone used.
struct CompareSummary {
    let answers: [(model: String, text: String)]

    var text: String {
        let cited = answers.map { (model: $0.model, numbers: Self.ordered(CitationNumbers.cited(in: $0.text))) }
        let common = cited.dropFirst().reduce(Set(cited.first?.numbers ?? [])) { $0.intersection($1.numbers) }
        var sentences: [String] = []
        let names = answers.map(\.model).joined(separator: ", ")
        if common.isEmpty {
            sentences.append("The answers of \(names) share no cited source.")
        } else {
            let list = cited[0].numbers.filter { common.contains($0) }.map { "[\($0)]" }.joined()
            sentences.append("The answers of \(names) agree on \(list).")
        }
        for lane in cited {
            let own = lane.numbers.filter { !common.contains($0) }
            if lane.numbers.isEmpty {
                sentences.append("\(lane.model) cites no source.")
            } else if !own.isEmpty {
                sentences.append("Only \(lane.model) cites \(own.map { "[\($0)]" }.joined()).")
            }
        }
        sentences.append("Read each model's answer above to see where they differ.")
        return sentences.joined(separator: " ")
    }

    static func ordered(_ numbers: [Int]) -> [Int] {
        var seen = Set<Int>()
        return numbers.filter { seen.insert($0).inserted }
    }
}

/// The synthesizer when no LLM is set up: the extractive answer, and a warning
/// when a request asked for models all the same.
public struct ExtractiveOnlySynthesizer: Synthesizer {
    public let name = "extractive"
    let extractive: ExtractiveSynthesizer
    let observer: any LLMObserver

    public init(extractive: ExtractiveSynthesizer = ExtractiveSynthesizer(), observer: any LLMObserver = NoopLLMObserver()) {
        self.extractive = extractive
        self.observer = observer
    }

    public func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        guard let models = request.models else { return try await extractive.synthesize(request, into: output) }
        observer.llmFellBack(reason: "not_configured")
        let warning = PipelineEvent.Warning(
            code: "llm_not_configured",
            message: "This Sift has no language model set up (SIFT_LLM_URL), so \(models.joined(separator: ", ")) cannot answer; this answer is extractive, quoted from the sources.")
        try await output(.warning(warning))
        try await extractive.synthesize(request) { piece in
            if case .finished(var summary) = piece {
                summary.fellBack = true
                try await output(.finished(summary))
            } else {
                try await output(piece)
            }
        }
    }
}
