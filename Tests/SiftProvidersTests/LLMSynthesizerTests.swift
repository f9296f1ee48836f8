import Logging
import SiftCore
import SiftHTTPClient
import SiftReplay
import SiftText
import Synchronization
import Testing

@testable import SiftProviders

/// A chat API that plays one script per request, in order, and records the requests.
final class FakeChat: ChatStreaming {
    enum Step: Sendable {
        case content(String)
        case usage(prompt: Int, completion: Int)
        case fail(LLMError)
        case hang
    }

    let scripts: Mutex<[[Step]]>
    let requests = Mutex<[ChatRequest]>([])
    let cancelled = Mutex(0)

    /// The script for a request: by model name when `byModel` is set, else the next in order.
    let byModel: [String: [Step]]?

    init(_ scripts: [[Step]] = [], byModel: [String: [Step]]? = nil) {
        self.scripts = Mutex(scripts)
        self.byModel = byModel
    }

    func stream(_ request: ChatRequest, onEvent: @Sendable (ChatStreamEvent) async throws -> Void) async throws {
        requests.withLock { $0.append(request) }
        let steps = byModel?[request.model] ?? scripts.withLock { $0.isEmpty ? [] : $0.removeFirst() }
        for step in steps {
            switch step {
            case .content(let text): try await onEvent(.content(text))
            case .usage(let prompt, let completion):
                try await onEvent(.usage(ChatUsage(promptTokens: prompt, completionTokens: completion)))
            case .fail(let error): throw error
            case .hang:
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    cancelled.withLock { $0 += 1 }
                    throw CancellationError()
                }
            }
        }
        try await onEvent(.finished(reason: "stop"))
    }
}

/// Records what the synthesizer reports.
final class LLMRecorder: LLMObserver {
    let calls = Mutex<[String]>([])
    func llmRequestFinished(model: String, outcome: String) { calls.withLock { $0.append("request \(model) \(outcome)") } }
    func llmTokens(model: String, prompt: Int, completion: Int) { calls.withLock { $0.append("tokens \(model) \(prompt) \(completion)") } }
    func llmFailed(model: String, kind: String) { calls.withLock { $0.append("failed \(model) \(kind)") } }
    func llmFellBack(reason: String) { calls.withLock { $0.append("fallback \(reason)") } }
}

@Suite("LLM synthesis: grounding, citations, fallback and compare mode")
struct LLMSynthesizerTests {
    static let sources = [
        Source(n: 1, url: "kb://wiki/canberra", title: "Canberra", snippet: "capital", providers: ["kb"], score: 1),
        Source(n: 2, url: "kb://wiki/sydney", title: "Sydney", snippet: "city", providers: ["kb"], score: 0.5),
    ]
    static let passages = [
        Passage(n: 1, sourceN: 1, score: 2, text: "Canberra is the capital city of Australia."),
        Passage(n: 2, sourceN: 2, score: 1, text: "Sydney is the most populous city in Australia."),
    ]

    static func request(models: [String]? = nil, merge: Bool = true) -> SynthesisRequest {
        let query = AnalyzedQuery(
            original: "what is the capital of Australia", normalized: "what is the capital of australia", kind: .question,
            terms: ["capital", "australia"], focus: "capital of australia")
        return SynthesisRequest(
            question: query.original, query: query, sources: sources, passages: passages, models: models, merge: merge)
    }

    func synthesizer(_ chat: any ChatStreaming, models: [String] = ["m"], observer: any LLMObserver = NoopLLMObserver())
        -> LLMSynthesizer
    {
        LLMSynthesizer(
            chat: chat, configuration: .init(models: models, contextTokens: 2048, maxAnswerTokens: 256), observer: observer,
            logger: Logger(label: "test.llm", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    func run(_ synthesizer: LLMSynthesizer, _ request: SynthesisRequest = request()) async throws -> [SynthesisOutput] {
        var outputs: [SynthesisOutput] = []
        try await synthesizer.synthesize(request) { outputs.append($0) }
        return outputs
    }

    func text(_ outputs: [SynthesisOutput], model: String? = nil) -> String {
        outputs.map { if case .text(let text, let lane) = $0, lane == model { text } else { "" } }.joined()
    }

    func warnings(_ outputs: [SynthesisOutput]) -> [String] {
        outputs.compactMap { if case .warning(let warning) = $0 { warning.code } else { nil } }
    }

    func summary(_ outputs: [SynthesisOutput]) -> SynthesisSummary? {
        if case .finished(let summary) = outputs.last { summary } else { nil }
    }

    @Test func noModelIsAskedWhenTheSourcesDoNotStateWhatIsAsked() async throws {
        let chat = FakeChat([[.content("The capital of Quelmaria is Quelm [1].")]])
        let query = try QueryAnalyzer().analyze("what is the capital of Quelmaria")
        let request = SynthesisRequest(
            question: query.original, query: query, sources: Self.sources, passages: Self.passages)
        let outputs = try await run(synthesizer(chat), request)
        // The model would only guess: it is not asked, and the answer says the sources do not answer.
        #expect(chat.requests.withLock { $0.isEmpty })
        #expect(text(outputs).hasPrefix("The sources found do not answer this question."))
        #expect(summary(outputs)?.answered == false)
        #expect(summary(outputs)?.synthesizer == "extractive")
    }

    @Test func aModelThatDeclinesIsReportedAsNotAnswering() async throws {
        let chat = FakeChat([[.content("The sources do not answer this question.")]])
        let outputs = try await run(synthesizer(chat))
        #expect(summary(outputs)?.answered == false)
    }

    @Test func theAnswerStreamsGroundedWithItsCitationsAndTheModelsCount() async throws {
        let chat = FakeChat([[.content("Canberra is"), .content(" the capital [1"), .content("]."), .usage(prompt: 90, completion: 3)]])
        let recorder = LLMRecorder()
        let outputs = try await run(synthesizer(chat, observer: recorder))
        #expect(text(outputs) == "Canberra is the capital [1].")
        #expect(warnings(outputs).isEmpty)
        #expect(summary(outputs)?.synthesizer == "m")
        #expect(summary(outputs)?.tokens == 3)
        #expect(summary(outputs)?.fellBack == false)
        // The prompt carries the passages under their source numbers, and the question.
        let request = try #require(chat.requests.withLock { $0.first })
        let prompt = request.messages.map(\.content).joined(separator: "\n")
        #expect(prompt.contains("[1] Canberra") && prompt.contains("Canberra is the capital city of Australia."))
        #expect(prompt.contains("what is the capital of Australia"))
        #expect(request.model == "m" && request.maxTokens == 256)
        #expect(recorder.calls.withLock { $0 } == ["tokens m 90 3", "request m ok"])
    }

    @Test(arguments: [(Duration.zero, 7), (Duration.seconds(600), 2)])
    func theDeltaWindowSetsHowMuchTextOneDeltaGathers(window: Duration, deltas: Int) async throws {
        let tokens = ["Canberra", " is", " the", " capital", " of", " Australia", " [1]"]
        let synthesizer = LLMSynthesizer(
            chat: FakeChat([tokens.map { .content($0) }]),
            configuration: .init(models: ["m"], contextTokens: 2048, maxAnswerTokens: 256, deltaWindow: window),
            logger: Logger(label: "test.llm", factory: { _ in SwiftLogNoOpLogHandler() }))
        let outputs = try await run(synthesizer)
        let pieces = outputs.compactMap { if case .text(let text, _) = $0 { text } else { nil } }
        // Zero: one delta per token. A long window: the first text at once, the rest at the end.
        #expect(pieces.count == deltas, "\(pieces)")
        #expect(pieces.joined() == tokens.joined())
    }

    @Test func aCitationOfNoSourceIsRemovedAndAnUncitedSentenceIsAttributed() async throws {
        let chat = FakeChat([[.content("Canberra is the capital of Australia [7]. "), .content("Sydney is the most populous city.")]])
        let outputs = try await run(synthesizer(chat))
        #expect(text(outputs) == "Canberra is the capital of Australia [1]. Sydney is the most populous city [2].")
        #expect(warnings(outputs) == ["citation_removed", "citations_attributed"])
    }

    @Test func aModelThatFailsBeforeWritingIsReplacedByTheExtractiveAnswer() async throws {
        let chat = FakeChat([[.fail(LLMError(.connection, "connection refused to http://127.0.0.1:9/v1 (SIFT_LLM_URL)"))]])
        let recorder = LLMRecorder()
        let outputs = try await run(synthesizer(chat, observer: recorder))
        #expect(warnings(outputs) == ["llm_connection"])
        guard case .warning(let warning) = outputs.first else {
            Issue.record("the warning should come first")
            return
        }
        #expect(warning.model == "m" && warning.message.contains("extractive"))
        #expect(text(outputs).contains("Canberra"))
        #expect(summary(outputs)?.synthesizer == "extractive")
        #expect(summary(outputs)?.fellBack == true)
        #expect(recorder.calls.withLock { $0 }.contains("fallback connection"))
    }

    @Test func aModelThatFailsMidAnswerIsFollowedByTheExtractiveAnswer() async throws {
        let chat = FakeChat([[.content("Canberra is"), .fail(LLMError(.upstream, "The server had an error."))]])
        let outputs = try await run(synthesizer(chat))
        let answer = text(outputs)
        #expect(answer.hasPrefix("Canberra is\n\n"))
        #expect(answer.count > "Canberra is\n\n".count)
        #expect(warnings(outputs) == ["llm_upstream_error"])
        #expect(summary(outputs)?.fellBack == true)
    }

    @Test func anEmptyAnswerIsAFailureNotASilentEmptyAnswer() async throws {
        let outputs = try await run(synthesizer(FakeChat([[.content("  ")]])))
        #expect(warnings(outputs) == ["llm_empty_answer"])
        #expect(!text(outputs).trimmingSpaces().isEmpty)
    }

    @Test func aContextOverflowIsRetriedOnceWithASmallerPrompt() async throws {
        let chat = FakeChat([
            [.fail(LLMError(.contextOverflow, "the request exceeds the available context size"))],
            [.content("Canberra [1].")],
        ])
        // Enough text that half the budget cannot hold it all.
        var request = Self.request()
        request.passages = (1...12).map { index in
            Passage(
                n: index, sourceN: index % 2 + 1, score: Double(20 - index),
                text: String(repeating: "Canberra was chosen as the capital of Australia in 1908. ", count: 12))
        }
        let outputs = try await run(synthesizer(chat), request)
        #expect(text(outputs) == "Canberra [1].")
        let sizes = chat.requests.withLock { $0.map { $0.messages.map(\.content.count).reduce(0, +) } }
        #expect(sizes.count == 2)
        #expect(sizes[1] < sizes[0])
    }

    @Test func compareModeStreamsALanePerModelThenTheMerge() async throws {
        let chat = FakeChat(byModel: [
            "a": [.content("Canberra is the capital [1].")],
            "b": [.content("It is Canberra [1][2].")],
        ])
        // The merge goes to the first model again; give it its own script by order.
        let merging = MergingChat(lanes: chat, merge: [.content("Both say Canberra [1].")])
        let outputs = try await run(synthesizer(merging, models: ["a", "b"]))
        #expect(text(outputs, model: "a") == "Canberra is the capital [1].")
        #expect(text(outputs, model: "b") == "It is Canberra [1][2].")
        #expect(text(outputs) == "Both say Canberra [1].")
        let lanes = outputs.compactMap { if case .lane(let lane) = $0 { "\(lane.model) \(lane.state.rawValue)" } else { nil } }
        #expect(Set(lanes) == ["a started", "a done", "b started", "b done"])
        #expect(summary(outputs)?.synthesizer == "a+b merged by a")
        let mergePrompt = try #require(merging.mergeRequests.withLock { $0.first })
        let content = mergePrompt.messages.map(\.content).joined()
        #expect(content.contains("Canberra is the capital [1].") && content.contains("It is Canberra [1][2]."))
    }

    @Test func withoutAMergeTheAnswerComparesWhatEachModelCited() async throws {
        let chat = FakeChat(byModel: ["a": [.content("Canberra [1].")], "b": [.content("Canberra [1][2].")]])
        let outputs = try await run(synthesizer(chat, models: ["a", "b"]), Self.request(merge: false))
        #expect(text(outputs) == "The answers of a, b agree on [1]. Only b cites [2]. Read each model's answer above to see where they differ.")
        #expect(chat.requests.withLock { $0.count } == 2)
    }

    @Test func aFailedLaneIsReportedAndTheOtherAnswers() async throws {
        let chat = FakeChat(byModel: ["a": [.fail(LLMError(.modelNotFound, "no model b"))], "b": [.content("Canberra [1].")]])
        let outputs = try await run(synthesizer(chat, models: ["a", "b"]))
        let failed = outputs.compactMap { if case .lane(let lane) = $0, lane.state == .failed { lane.model } else { nil } }
        #expect(failed == ["a"])
        #expect(warnings(outputs) == ["llm_model_not_found"])
        #expect(text(outputs) == "Canberra [1].")
        #expect(summary(outputs)?.synthesizer == "b")
    }

    @Test func withNoPassagesTheModelIsNotAsked() async throws {
        let chat = FakeChat([[.content("made up")]])
        var request = Self.request()
        request.passages = []
        let outputs = try await run(synthesizer(chat), request)
        #expect(chat.requests.withLock { $0.isEmpty })
        #expect(summary(outputs)?.synthesizer == "extractive")
    }

    @Test func cancellingTheQueryCancelsTheModelsRequest() async throws {
        let chat = FakeChat([[.content("Canberra"), .hang]])
        let synthesizer = synthesizer(chat)
        let firstText = AsyncStream<Void>.makeStream()
        let consumer = Task {
            try await synthesizer.synthesize(Self.request()) { output in
                if case .text = output { firstText.continuation.yield() }
            }
        }
        for await _ in firstText.stream { break }
        consumer.cancel()
        _ = await consumer.result
        var waited = 0
        while chat.cancelled.withLock({ $0 }) == 0, waited < 400 {
            try await Task.sleep(for: .milliseconds(25))
            waited += 1
        }
        #expect(chat.cancelled.withLock { $0 } == 1)
    }

    @Test func withoutAnLLMARequestForModelsGetsAWarningAndTheExtractiveAnswer() async throws {
        let recorder = LLMRecorder()
        var outputs: [SynthesisOutput] = []
        try await ExtractiveOnlySynthesizer(observer: recorder).synthesize(Self.request(models: ["gpt-4o"])) {
            outputs.append($0)
        }
        #expect(warnings(outputs) == ["llm_not_configured"])
        #expect(summary(outputs)?.fellBack == true)
        #expect(recorder.calls.withLock { $0 } == ["fallback not_configured"])
    }

    @Test("mid-stream error objects, malformed chunks and 429s from a scripted server, through the real client")
    func scriptedServerFailures() async throws {
        let cases: [(ChatScript.Behaviour, String?)] = [
            (.errorObjectAt(2), "llm_upstream_error"), (.malformedChunkAt(2), "llm_malformed"),
            (.rateLimited(retryAfterSeconds: 1, times: 1), nil),
        ]
        for (behaviour, expected) in cases {
            let server = ScriptedChatServer(
                script: ChatScript(tokens: ["Canberra", " is", " the", " capital", " [1]", "."], behaviour: behaviour))
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let outputs = try await withReplayServer(server.router(), logger: logger) { port in
                let http = try HTTPClient(logger: logger)
                defer { http.shutdown() }
                let chat = ChatCompletionsClient(baseURL: "http://127.0.0.1:\(port)/v1", apiKey: nil, http: http, logger: logger)
                return try await run(synthesizer(chat))
            }
            if let expected {
                #expect(warnings(outputs) == [expected], "\(behaviour)")
                #expect(summary(outputs)?.fellBack == true)
            } else {
                #expect(warnings(outputs).isEmpty, "\(behaviour)")
                #expect(text(outputs) == "Canberra is the capital [1].")
                #expect(server.requests.count == 2)
            }
        }
    }
}

/// Lanes by model from `lanes`; the request after every lane has asked is the merge.
final class MergingChat: ChatStreaming {
    let lanes: FakeChat
    let merge: [FakeChat.Step]
    let mergeRequests = Mutex<[ChatRequest]>([])
    let laneRequests = Mutex(0)

    init(lanes: FakeChat, merge: [FakeChat.Step]) {
        self.lanes = lanes
        self.merge = merge
    }

    func stream(_ request: ChatRequest, onEvent: @Sendable (ChatStreamEvent) async throws -> Void) async throws {
        let isMerge = laneRequests.withLock { count in
            count += 1
            return count > (lanes.byModel?.count ?? 0)
        }
        guard isMerge else { return try await lanes.stream(request, onEvent: onEvent) }
        mergeRequests.withLock { $0.append(request) }
        try await FakeChat([merge]).stream(request, onEvent: onEvent)
    }
}
