import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftCore
import Synchronization
import Testing

@testable import SiftProviders
@testable import SiftServer

/// The OpenAI-compatible surface: the fold of events into chat completions, the request's
/// reading, and the routes in process.
@Suite("OpenAI-compatible chat completions")
struct ChatCompletionTests {
    // MARK: Helpers

    static func request(_ question: String = "q", history: [ConversationTurn] = []) -> ChatCompletionRequest {
        ChatCompletionRequest(
            model: "sift", models: nil, question: question, history: history, stream: true, includeUsage: true,
            statusEvents: nil, user: nil, maxTokens: nil, temperature: nil)
    }

    static func event(_ payload: PipelineEvent.Payload) -> PipelineEvent { PipelineEvent(elapsedMs: 1, payload: payload) }

    static func source(_ n: Int, published: String? = nil) -> Source {
        Source(
            n: n, url: "https://s\(n).example/", title: "Source \(n)", snippet: "snippet \(n)", providers: ["kb"], score: 1,
            published: published)
    }

    static let catalog = ChatModelCatalog(configured: ["small"], allowed: ["small", "big"])

    static func parse(_ json: String, catalog: ChatModelCatalog = catalog) throws(ChatCompletionError) -> ChatCompletionRequest {
        try ChatCompletionRequest.parse(Array(json.utf8), models: catalog)
    }

    // MARK: The fold

    @Test func markersAreAnnotatedWhereASourceIsFirstCitedEvenAcrossDeltas() {
        var fold = ChatCompletionFold(request: Self.request(), statusEvents: false, keepsContent: true)
        for n in 1...3 { #expect(fold.add(Self.event(.source(Self.source(n)))).isEmpty) }
        // "Café" has a non-ASCII scalar: indices count Unicode scalars, as Python's do.
        let first = fold.add(Self.event(.delta(.init(text: "Café is here [2"))))
        #expect(first == [.content("Café is here ", [])])
        let second = fold.add(Self.event(.delta(.init(text: "] and there [2][3]."))))
        guard case .content(let text, let annotations) = second.first else {
            Issue.record("no content: \(second)")
            return
        }
        #expect(text == "[2] and there [2][3].")
        #expect(annotations.map(\.urlCitation.url) == ["https://s2.example/", "https://s3.example/"])
        let content = Array(fold.content.unicodeScalars)
        for annotation in annotations {
            let marker = String(String.UnicodeScalarView(content[annotation.urlCitation.startIndex..<annotation.urlCitation.endIndex]))
            #expect(marker == (annotation.urlCitation.url.contains("s2") ? "[2]" : "[3]"))
        }
        #expect(annotations[0].urlCitation.startIndex == 13)
        #expect(annotations[0].urlCitation.title == "Source 2")
    }

    @Test func theEndListsTheCitedSourcesAndCarriesCitationsSearchResultsAndUsage() {
        var fold = ChatCompletionFold(request: Self.request("what is it"), statusEvents: false, keepsContent: true)
        _ = fold.add(Self.event(.source(Self.source(1, published: "2024-05-01"))))
        _ = fold.add(Self.event(.source(Self.source(2))))
        _ = fold.add(Self.event(.ranked(.init(passages: [Passage(n: 1, sourceN: 2, score: 1, text: "a passage of text")]))))
        _ = fold.add(Self.event(.delta(.init(text: "It is so [2]."))))
        _ = fold.add(
            Self.event(
                .metrics(
                    .init(
                        firstStatusMs: 0, firstSourceMs: 1, firstDeltaMs: 2, totalMs: 3, sources: 2, passages: 1, pages: 0,
                        bytes: 0, tokens: 7, answered: true))))
        let end = fold.add(Self.event(.done(.init(outcome: .complete))))
        #expect(end.count == 2)
        #expect(end.first == .content("\n\nSources:\n- [2] Source 2 — https://s2.example/\n", []))
        guard case .finish(let final) = end.last else {
            Issue.record("no finish: \(end)")
            return
        }
        #expect(final.citations == ["https://s1.example/", "https://s2.example/"])
        #expect(final.searchResults.first == .init(title: "Source 1", url: "https://s1.example/", snippet: "snippet 1", date: "2024-05-01"))
        #expect(final.usage.completionTokens == 7)  // the count the metrics reported
        #expect(final.usage.promptTokens > 0)
        #expect(final.usage.totalTokens == final.usage.promptTokens + 7)
        #expect(fold.content.hasPrefix("It is so [2]."))
    }

    /// A hostile page's title cannot put a link into the source list a chat UI renders.
    @Test func aLinkInAPageTitleIsDisarmedInTheSourceList() {
        var fold = ChatCompletionFold(request: Self.request("what is it"), statusEvents: false, keepsContent: true)
        var hostile = Self.source(1)
        hostile.title = "Win a prize [here](https://evil.example/steal) or at https://evil.example/x"
        _ = fold.add(Self.event(.source(hostile)))
        _ = fold.add(Self.event(.delta(.init(text: "It is so [1]."))))
        let end = fold.add(Self.event(.done(.init(outcome: .complete))))
        guard case .content(let list, _) = end.first else {
            Issue.record("no source list: \(end)")
            return
        }
        #expect(!list.contains("](https://evil"), "\(list)")
        #expect(!list.contains("https://evil"), "\(list)")
        #expect(list.contains("https://s1.example/"))
    }

    @Test func anAbstentionSaysSoAndNoSourcesIsAnAnswerNotAFailure() {
        var fold = ChatCompletionFold(request: Self.request(), statusEvents: true, keepsContent: true)
        _ = fold.add(Self.event(.source(Self.source(1))))
        _ = fold.add(Self.event(.delta(.init(text: "The sources found do not answer this question."))))
        _ = fold.add(Self.event(.warning(.noAnswer)))
        let end = fold.add(Self.event(.done(.init(outcome: .complete))))
        #expect(end.contains(.status(.init(description: "No answer in the sources found", done: true))))
        #expect(fold.content.contains("- [1] Source 1"))  // the closest source, since none is cited

        var nothing = ChatCompletionFold(request: Self.request(), statusEvents: false, keepsContent: true)
        _ = nothing.add(Self.event(.error(.init(QueryError.noSources("q")))))
        let ending = nothing.add(Self.event(.done(.init(outcome: .failed))))
        #expect(nothing.content.hasPrefix("No source matched this question"))
        guard case .finish(let final) = ending.last else {
            Issue.record("no_sources should finish: \(ending)")
            return
        }
        #expect(final.citations.isEmpty)
    }

    @Test func anErrorEndsWithTheErrorAndLanesAreNotContent() {
        var fold = ChatCompletionFold(request: Self.request(), statusEvents: false, keepsContent: false)
        #expect(fold.add(Self.event(.delta(.init(text: "lane text", model: "a")))).isEmpty)
        _ = fold.add(Self.event(.error(.init(QueryError.shuttingDown))))
        let end = fold.add(Self.event(.done(.init(outcome: .cancelled))))
        guard case .failure(let error) = end.last else {
            Issue.record("no failure: \(end)")
            return
        }
        #expect(error.status == 503)
        #expect(error.code == "shutting_down")
        #expect(error.type == "server_error")
    }

    @Test func statusEventsComeOnlyWhenAsked() {
        let status = Self.event(.status(.init(stage: .searching, message: "Searching kb, brave")))
        var quiet = ChatCompletionFold(request: Self.request(), statusEvents: false, keepsContent: false)
        #expect(quiet.add(status).isEmpty)
        var chatty = ChatCompletionFold(request: Self.request(), statusEvents: true, keepsContent: false)
        #expect(chatty.add(status) == [.status(.init(description: "Searching kb, brave", done: false))])
    }

    // MARK: Reading the request

    @Test func messagesBecomeTheQuestionAndTheEarlierTurns() throws {
        let parsed = try Self.parse(
            #"""
            {"model":"sift","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"max_tokens":50,
             "user":"u1","tools":[],"some_future_field":{"x":1},
             "messages":[{"role":"system","content":"Be brief."},
                         {"role":"user","content":"what is the capital of australia"},
                         {"role":"assistant","content":"Canberra [1].\n\nSources:\n- [1] Canberra — kb://wordnet/Canberra\n"},
                         {"role":"user","content":[{"type":"text","text":"and its population"},{"type":"image_url","image_url":{"url":"x"}}]}]}
            """#)
        #expect(parsed.question == "and its population")
        #expect(parsed.history.map(\.question) == ["what is the capital of australia"])
        #expect(parsed.history.map(\.answer) == ["Canberra [1]."])
        #expect(parsed.stream && parsed.includeUsage)
        #expect(parsed.models == nil)
        #expect(parsed.maxTokens == 50)
        #expect(parsed.user == "u1")
        #expect(parsed.queryRequest.history?.count == 1)
        #expect(parsed.queryRequest.session == nil)
    }

    @Test(arguments: [
        (#"{"messages":[{"role":"user","content":"q"}]}"#, "model", "bad_request"),
        (#"{"model":"gpt-4o","messages":[{"role":"user","content":"q"}]}"#, "model", "model_not_found"),
        (#"{"model":"sift:huge","messages":[{"role":"user","content":"q"}]}"#, "model", "model_not_found"),
        (#"{"model":"sift","messages":[]}"#, "messages", "bad_request"),
        (#"{"model":"sift","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}"#, "messages", "bad_request"),
        (#"{"model":"sift","messages":[{"role":"user","content":42}]}"#, "messages[0].content", "bad_request"),
        (#"{"model":"sift","stream":"yes","messages":[{"role":"user","content":"q"}]}"#, "stream", "bad_request"),
        (#"{"model":"sift","n":2,"messages":[{"role":"user","content":"q"}]}"#, "n", "bad_request"),
        (#"[1,2]"#, nil, "bad_request"),
    ])
    func badRequestsAreNamedByTheirField(json: String, param: String?, code: String) {
        do throws(ChatCompletionError) {
            _ = try Self.parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.status == 400)
            #expect(error.type == "invalid_request_error")
            #expect(error.param == param)
            #expect(error.code == code)
        }
    }

    @Test func searchControlsAreExtraBodyFields() throws {
        let parsed = try Self.parse(
            #"{"model":"sift","messages":[{"role":"user","content":"q"}],"sites":["docs.python.org","-pinterest.com"],"freshness":"week","providers":"kb,brave","max_sources":3,"lang":"de"}"#)
        #expect(parsed.controls.sites.map(\.text) == ["docs.python.org", "-pinterest.com"])
        #expect(parsed.controls.freshness == .week)
        #expect(parsed.controls.providers == ["kb", "brave"])
        #expect(parsed.controls.maxSources == 3)
        #expect(parsed.controls.language == "de")
        #expect(parsed.queryRequest.controls == parsed.controls)
        for (field, json) in [("max_sources", #""max_sources":0"#), ("lang", #""lang":"not a language""#)] {
            do throws(ChatCompletionError) {
                _ = try Self.parse(#"{"model":"sift","messages":[{"role":"user","content":"q"}],\#(json)}"#)
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.status == 400)
                #expect(error.param == field)
            }
        }
    }

    @Test func theModelsOnOfferFollowTheLLMConfiguration() throws {
        #expect(Self.catalog.ids == ["sift", "sift:big", "sift:small"])
        #expect(try Self.catalog.resolve("sift") == nil)
        #expect(try Self.catalog.resolve("sift:big") == ["big"])
        let extractive = ChatModelCatalog(configured: [], allowed: nil)
        #expect(extractive.ids == ["sift"])
        #expect(throws: ChatCompletionError.self) { try extractive.resolve("sift:big") }
        let any = ChatModelCatalog(configured: ["small"], allowed: nil)
        #expect(any.ids == ["sift", "sift:small"])
        #expect(try any.resolve("sift:other") == ["other"])
    }

    @Test func aConversationIsFollowedUpInNoSession() async throws {
        let store = SessionStore()
        let runner = SessionRunner(inner: ScriptedRunner.answering(), analyzer: FollowUpAnalyzer(), store: store)
        let earlier = ConversationTurn(question: "capital of australia", answer: "Canberra.", sources: [], passages: [])
        let prepared = try await runner.prepare(QueryRequest(bytes: Array("its population".utf8), history: [earlier]))
        #expect(prepared.context.session == nil)
        #expect(prepared.context.history == [earlier])
        #expect(prepared.context.carriedTerms == "australia")
        #expect(prepared.query.original == "its population australia")
        _ = await runner.run(id: QueryID(), prepared: prepared) { _ in }
        #expect(store.count == 0)  // nothing kept
    }

    // MARK: The routes, in process

    func app(
        _ runner: any QueryRunning = ScriptedRunner.citing(), configuration: SiftServerConfiguration = .init(),
        catalog: ChatModelCatalog = ChatModelCatalog(configured: [], allowed: nil)
    ) -> some ApplicationProtocol {
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: configuration.maxStreams, metrics: metrics, logger: testLogger())
        let routes = SiftRoutes(
            runner: runner, registry: registry, metrics: metrics, configuration: configuration,
            readiness: { Readiness(ready: true, components: [:]) }, chatModels: { catalog })
        return Application(router: routes.router(), services: [routes.queries], logger: testLogger())
    }

    static func post(_ body: String) -> (uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer) {
        ("/v1/chat/completions", .post, [.contentType: "application/json"], ByteBuffer(string: body))
    }

    /// The JSON objects of `data:` lines, and whether `[DONE]` ended them.
    static func chunks(_ text: String) throws -> (chunks: [JSONValue], done: Bool) {
        var chunks: [JSONValue] = []
        var done = false
        for block in text.split(separator: "\n\n") {
            if block.hasPrefix(":") { continue }
            #expect(block.hasPrefix("data: "), "\(block)")
            let data = block.dropFirst(6)
            #expect(!done, "data after [DONE]")
            if data == "[DONE]" {
                done = true
                continue
            }
            chunks.append(try JSONValue.parse(Array(data.utf8)))
        }
        return (chunks, done)
    }

    static func json(_ buffer: ByteBuffer) throws -> JSONValue { try JSONValue.parse(Array(buffer.readableBytesView)) }

    @Test func aStreamFollowsTheChunkSchemaToDone() async throws {
        try await app().test(.live) { client in
            let request = Self.post(
                #"{"model":"sift","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: request.uri, method: request.method, headers: request.headers, body: request.body) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream; charset=utf-8")
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                let (chunks, done) = try Self.chunks(String(buffer: response.body))
                #expect(done)
                for chunk in chunks {
                    #expect(chunk["id"]?.string == "chatcmpl-\(id)")
                    #expect(chunk["object"]?.string == "chat.completion.chunk")
                    #expect(chunk["model"]?.string == "sift")
                    #expect(chunk["created"]?.int != nil)
                    #expect(chunk["usage"] != nil)  // null until the usage chunk
                    #expect(chunk["event"] == nil)
                }
                let choices = chunks.map { $0["choices"]?.array ?? [] }
                let deltas = choices.compactMap { $0.first?["delta"] }
                #expect(deltas.first?["role"]?.string == "assistant")
                let content = deltas.compactMap { $0["content"]?.string }.joined()
                #expect(content.hasPrefix("Canberra is the capital [1]."))
                #expect(content.contains("Sources:\n- [1] Canberra — https://canberra.example/"))
                let annotated = deltas.compactMap { $0["annotations"]?.array }.flatMap { $0 }
                #expect(annotated.count == 1)
                #expect(annotated.first?["type"]?.string == "url_citation")
                let citation = try #require(annotated.first?["url_citation"])
                #expect(citation["url"]?.string == "https://canberra.example/")
                #expect(citation["title"]?.string == "Canberra")
                #expect(citation["start_index"]?.int == 24)
                #expect(citation["end_index"]?.int == 27)
                // The last choice chunk stops, with Perplexity's fields; then the usage chunk with no choices.
                let last = try #require(chunks.last(where: { !($0["choices"]?.array ?? []).isEmpty }))
                let lastChoice = try #require(last["choices"]?.array?.first)
                #expect(lastChoice["finish_reason"]?.string == "stop")
                #expect(lastChoice["index"]?.int == 0)
                #expect(lastChoice["logprobs"] == .null)
                #expect(last["citations"]?.array?.compactMap(\.string) == ["https://canberra.example/", "https://sydney.example/"])
                let results = try #require(last["search_results"]?.array)
                #expect(results.first?["title"]?.string == "Canberra")
                #expect(results.first?["snippet"]?.string == "the capital of Australia")
                let usage = try #require(chunks.last?["usage"])
                #expect(chunks.last?["choices"]?.array?.isEmpty == true)
                #expect(usage["completion_tokens"]?.int == 5)
                #expect((usage["prompt_tokens"]?.int ?? 0) > 0)
                // Every choice before the last has a null finish_reason.
                for choice in choices.dropLast(2).compactMap(\.first) { #expect(choice["finish_reason"] == .null) }
            }
        }
    }

    @Test func withoutStreamTheAnswerIsOneCompletion() async throws {
        try await app().test(.live) { client in
            let request = Self.post(#"{"model":"sift","messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: request.uri, method: request.method, headers: request.headers, body: request.body) {
                response in
                #expect(response.status == .ok)
                let object = try Self.json(response.body)
                #expect(object["object"]?.string == "chat.completion")
                let choice = try #require(object["choices"]?.array?.first)
                #expect(choice["finish_reason"]?.string == "stop")
                let message = try #require(choice["message"])
                #expect(message["role"]?.string == "assistant")
                #expect(message["content"]?.string?.hasPrefix("Canberra is the capital [1].") == true)
                #expect(message["annotations"]?.array?.count == 1)
                #expect(object["citations"]?.array?.count == 2)
                #expect(object["search_results"]?.array?.count == 2)
                let usage = try #require(object["usage"])
                #expect(usage["total_tokens"]?.int == (usage["prompt_tokens"]?.int ?? 0) + 5)
                #expect(object["event"] == nil)
            }
        }
    }

    @Test func statusEventsAreSentWhenTheRequestAsks() async throws {
        try await app().test(.live) { client in
            let request = Self.post(
                #"{"model":"sift","stream":true,"sift_status_events":true,"messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: request.uri, method: request.method, headers: request.headers, body: request.body) {
                response in
                let (chunks, done) = try Self.chunks(String(buffer: response.body))
                #expect(done)
                let events = chunks.compactMap { $0["event"] }
                #expect(events.first?["type"]?.string == "status")
                #expect(events.first?["data"]?["description"]?.string == "Searching kb")
                #expect(events.first?["data"]?["done"] == .bool(false))
                #expect(events.last?["data"]?["done"] == .bool(true))
                // A status chunk is still a chunk: no choices, and no usage field unless asked.
                let statusChunk = try #require(chunks.first { $0["event"] != nil })
                #expect(statusChunk["choices"]?.array?.isEmpty == true)
                #expect(statusChunk["usage"] == nil)
            }
        }
    }

    @Test func errorsUseTheOpenAIEnvelope() async throws {
        try await app().test(.live) { client in
            let unknown = Self.post(#"{"model":"gpt-4o","messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: unknown.uri, method: unknown.method, headers: unknown.headers, body: unknown.body) {
                response in
                #expect(response.status == .badRequest)
                let error = try #require(try Self.json(response.body)["error"])
                #expect(error["type"]?.string == "invalid_request_error")
                #expect(error["param"]?.string == "model")
                #expect(error["code"]?.string == "model_not_found")
                #expect(error["message"]?.string?.contains("sift") == true)
            }
            let empty = Self.post(#"{"model":"sift","messages":[{"role":"user","content":"  "}]}"#)
            try await client.execute(uri: empty.uri, method: empty.method, headers: empty.headers, body: empty.body) {
                response in
                #expect(response.status == .badRequest)
                let error = try #require(try Self.json(response.body)["error"])
                #expect(error["param"]?.string == "messages")
                #expect(error["code"]?.string == "empty_query")
            }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .ok)
                let object = try Self.json(response.body)
                #expect(object["object"]?.string == "list")
                let models = try #require(object["data"]?.array)
                #expect(models.map { $0["id"]?.string } == ["sift"])
                #expect(models.first?["object"]?.string == "model")
                #expect(models.first?["owned_by"]?.string == "sift")
                #expect(models.first?["created"]?.int != nil)
            }
        }
    }

    @Test func overloadedIs503WithRetryAfter() async throws {
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: 1, metrics: metrics, logger: testLogger())
        try registry.register(QueryID()) { _ in }
        let routes = SiftRoutes(
            runner: ScriptedRunner.citing(), registry: registry, metrics: metrics, configuration: .init(maxStreams: 1),
            readiness: { Readiness(ready: true, components: [:]) })
        let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
        try await app.test(.live) { client in
            let request = Self.post(#"{"model":"sift","stream":true,"messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: request.uri, method: request.method, headers: request.headers, body: request.body) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "2")
                let error = try Self.json(response.body)["error"]
                #expect(error?["type"]?.string == "server_error")
                #expect(error?["code"]?.string == "overloaded")
            }
        }
    }

    @Test func anErrorInMidStreamIsAnErrorObjectThenDone() async throws {
        let failing = ScriptedRunner { _, emit in
            await emit(Self.event(.delta(.init(text: "Half an "))))
            await emit(Self.event(.error(.init(QueryError.shuttingDown))))
            await emit(Self.event(.done(.init(outcome: .cancelled))))
            return .cancelled
        }
        try await app(failing).test(.live) { client in
            let streamed = Self.post(#"{"model":"sift","stream":true,"messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: streamed.uri, method: streamed.method, headers: streamed.headers, body: streamed.body) {
                response in
                let (chunks, done) = try Self.chunks(String(buffer: response.body))
                #expect(done)
                let error = try #require(chunks.last?["error"])
                #expect(error["code"]?.string == "shutting_down")
                #expect(error["type"]?.string == "server_error")
                #expect(error["param"] == .null)
            }
        }
        // A finished stream closes its connection: the next request goes to a new server.
        try await app(failing).test(.live) { client in
            let whole = Self.post(#"{"model":"sift","messages":[{"role":"user","content":"q"}]}"#)
            try await client.execute(uri: whole.uri, method: whole.method, headers: whole.headers, body: whole.body) {
                response in
                #expect(response.status == .serviceUnavailable)
                let error = try Self.json(response.body)["error"]
                #expect(error?["code"]?.string == "shutting_down")
            }
        }
    }

    @Test func hangingUpCancelsTheQuery() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: 8, metrics: metrics, logger: testLogger())
        let routes = SiftRoutes(
            runner: ScriptedRunner.untilCancelled(started: startedSignal), registry: registry, metrics: metrics,
            configuration: .init(heartbeat: .seconds(60)), readiness: { Readiness(ready: true, components: [:]) })
        let app = Application(router: routes.router(), services: [routes.queries], logger: testLogger())
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let partial = try await Loopback.exchange(
                port: port, "POST", "/v1/chat/completions", headers: [("Content-Type", "application/json")],
                body: #"{"model":"sift","stream":true,"messages":[{"role":"user","content":"q"}]}"#
            ) { $0.body.contains("partial") }
            #expect(!partial.complete)
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            let id = try #require(partial.headers["x-request-id"].flatMap { QueryID($0) })
            let log = try routes.queries.store.log(id)
            try await ResumableQueryTests.poll { log.isEnded && registry.activeCount == 0 }
            #expect(log.frames(after: 0).frames.last?.event?.payload == .done(.init(outcome: .cancelled)))
        }
    }
}

extension JSONValue {
    var int: Int? {
        if case .number(let value) = self { return Int(exactly: value) }
        return nil
    }

    var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

extension ScriptedRunner {
    /// status (searching), two sources, ranked, a cited answer in two deltas, metrics (5 tokens), done.
    static func citing() -> ScriptedRunner {
        ScriptedRunner { id, emit in
            func send(_ payload: PipelineEvent.Payload) async { await emit(PipelineEvent(elapsedMs: 1, payload: payload)) }
            await send(.status(.init(stage: .searching, message: "Searching kb", providers: ["kb"])))
            await send(
                .query(.init(id: id, analyzed: AnalyzedQuery(original: "q", normalized: "q", kind: .question, terms: ["q"]))))
            await send(
                .source(
                    Source(
                        n: 1, url: "https://canberra.example/", title: "Canberra", snippet: "the capital of Australia",
                        providers: ["kb"], score: 1)))
            await send(
                .source(
                    Source(n: 2, url: "https://sydney.example/", title: "Sydney", snippet: "a city", providers: ["kb"], score: 0.5)))
            await send(.ranked(.init(passages: [Passage(n: 1, sourceN: 1, score: 1, text: "Canberra: the capital")])))
            await send(.status(.init(stage: .synthesizing, message: "Writing the answer")))
            await send(.delta(.init(text: "Canberra is the capital ")))
            await send(.delta(.init(text: "[1].")))
            await send(
                .metrics(
                    .init(
                        firstStatusMs: 1, firstSourceMs: 1, firstDeltaMs: 1, totalMs: 1, sources: 2, passages: 1, pages: 0,
                        bytes: 0, tokens: 5, answered: true)))
            await send(.done(.init(outcome: .complete)))
            return .complete
        }
    }
}
