import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore

/// The OpenAI-compatible surface: `POST /v1/chat/completions` and `GET /v1/models`, for chat UIs
/// (Open WebUI, LibreChat) and the openai SDKs. A chat completion is a query like any other:
/// admitted into the ``QueryService`` (not resumable: leaving cancels it) and read from its log.
extension SiftRoutes {
    /// Largest chat request body: a chat UI sends the whole conversation back each time.
    var chatMaxBodyBytes: Int { max(configuration.maxBodyBytes, 1 << 20) }

    func addChatRoutes(to router: Router<SiftRequestContext>) {
        router.post("/v1/chat/completions") { request, context in
            await chatCompletion(request, context: context)
        }
        router.get("/v1/models") { _, context in
            let created = Int(startedAt)
            let list = ChatWire.ModelList(data: chatModels().ids.map { .init(id: $0, created: created) })
            return Response.json(list, status: .ok, id: context.requestID)
        }
    }

    // MARK: POST /v1/chat/completions

    func chatCompletion(_ request: Request, context: SiftRequestContext) async -> Response {
        let id = context.requestID
        let catalog = chatModels()
        let asked: ChatCompletionRequest
        // `collectBody` keeps the connection's own stream under the collected body, so that
        // `consumeWithCancellationOnInboundClose` below still hears the client hang up.
        var request = request
        do throws(ChatCompletionError) {
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: chatMaxBodyBytes)
            } catch {
                throw .invalid("The request body is larger than \(chatMaxBodyBytes) bytes.")
            }
            asked = try ChatCompletionRequest.parse(Array(body.readableBytesView), models: catalog)
        } catch {
            return error.response(id: id)
        }
        let log: QueryLog
        do throws(QueryError) {
            // A cheap early refusal (a full registry is heard before a refused model); `admit` decides.
            try queries.checkCapacity()
            let prepared = try await runner.prepare(asked.queryRequest)
            log = try await queries.admit(id: id, prepared: prepared, resumable: false, owner: context.client, caller: context.apiKey)
        } catch {
            // A refused question is about `messages`; a refused search control (a provider not configured,
            // too many sources) about that field; a refused model (the runner's allow list) about `model`.
            let param: String? =
                error.httpStatus != 400
                ? nil
                : error.code != "bad_request" ? "messages" : ChatCompletionRequest.field(in: error.message) ?? "model"
            return ChatCompletionError(error, param: param).response(id: id)
        }
        let collected = request
        if let user = asked.user { context.logger.debug("chat completion", metadata: ["openai_user": "\(user.prefix(64))"]) }
        let reader = ChatCompletionReader(
            log: log, request: asked,
            header: ChatWire.Header(
                id: "chatcmpl-\(id.rawValue)", created: Int(Date().timeIntervalSince1970), model: asked.model,
                systemFingerprint: "sift-\(configuration.version)"),
            statusEvents: asked.statusEvents ?? catalog.statusEvents, metrics: metrics, heartbeat: configuration.heartbeat,
            clock: queries.store.clock, logger: context.logger)

        guard asked.stream else {
            // Leaving early (the client hung up) cancels the query, as a stream's reader does.
            let result: Result<ChatWire.Completion, ChatCompletionError>
            do {
                result = try await collected.body.consumeWithCancellationOnInboundClose { _ in try await reader.complete() }
            } catch {
                return ChatCompletionError(status: 499, message: "The client closed the connection.", code: "cancelled")
                    .response(id: id)
            }
            var response: Response
            switch result {
            case .success(let completion): response = .json(completion, status: .ok, id: id)
            case .failure(let error): response = error.response(id: id)
            }
            // Watching for the hang-up consumed the connection: say so, or a client's pool reuses a closed one.
            response.headers[.connection] = "close"
            return response
        }
        let body = ResponseBody { writer in
            try await collected.body.consumeWithCancellationOnInboundClose { _ in
                try await reader.write(to: &writer)
            }
            try await writer.finish(nil)
        }
        var response = eventResponse(id: id, body: body)
        response.headers[.connection] = "close"
        return response
    }
}
