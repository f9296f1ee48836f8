import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SiftCore

/// Resumable queries: `POST /v1/queries`, `GET /v1/queries/{id}/events`, `DELETE /v1/queries/{id}`.
extension SiftRoutes {
    /// The body of `201 Created`.
    struct CreatedQuery: Encodable {
        var id: String
        var eventsURL: String
        var session: String?

        enum CodingKeys: String, CodingKey {
            case id
            case eventsURL = "events_url"
            case session
        }
    }

    func addQueryRoutes(to router: Router<SiftRequestContext>) {
        router.post("/v1/queries") { request, context in
            await createQuery(request, context: context)
        }
        router.get("/v1/queries/:id/events") { request, context in
            await queryEvents(request, context: context)
        }
        router.delete("/v1/queries/:id") { _, context in
            await cancelQuery(context: context)
        }
    }

    // MARK: POST /v1/queries

    func createQuery(_ request: Request, context: SiftRequestContext) async -> Response {
        let id = context.requestID
        let log: QueryLog
        do throws(QueryError) {
            let asked = try await readQueryRequest(request, acceptsForm: true)
            try queries.checkCapacity()
            let prepared = try await runner.prepare(asked)
            log = try await queries.admit(id: id, prepared: prepared, resumable: true, owner: context.client, caller: context.apiKey)
        } catch {
            return .error(error, id: id)
        }
        let events = "/v1/queries/\(id.rawValue)/events"
        var response = Response.json(
            CreatedQuery(id: id.rawValue, eventsURL: events, session: log.session), status: .created, id: id)
        response.headers[.location] = events
        if let session = log.session { response.headers[.siftSession] = session }
        context.logger.debug("resumable query started")
        return response
    }

    // MARK: GET /v1/queries/{id}/events

    func queryEvents(_ request: Request, context: SiftRequestContext) async -> Response {
        let log: QueryLog
        let lastEventID: Int
        do throws(QueryError) {
            lastEventID = try Self.lastEventID(request)
            log = try await queries.log(try Self.queryID(context), through: lastEventID, caller: context.apiKey)
            try log.check(resumingAfter: lastEventID)
        } catch {
            return .error(error, id: context.requestID)
        }
        if log.isEnded && lastEventID == log.count {
            // The reader has every event, `done` included. 204 also tells EventSource to stop reconnecting.
            return Response(status: .noContent, headers: [.requestID: log.id.rawValue])
        }
        // Readers are streams too (SIFT_MAX_STREAMS, sift_streams_active): a running query and its first reader
        // share the query's slot; every other reader (another on the same query, or one of a finished query)
        // takes its own, so that readers cannot pile up past the cap.
        let slot: ReaderSlot?
        do throws(QueryError) {
            slot = log.isEnded || log.readerCount > 0 ? try ReaderSlot(registry: registry, id: context.requestID) : nil
        } catch {
            return .error(error, id: context.requestID)
        }
        let stream = QueryLogReader(
            log: log, lastEventID: lastEventID, metrics: metrics, heartbeat: configuration.heartbeat,
            logger: context.logger, clock: queries.store.clock)
        let body = ResponseBody { writer in
            defer { withExtendedLifetime(slot) {} }
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await stream.write(to: &writer)
            }
            try await writer.finish(nil)
        }
        return eventResponse(id: log.id, body: body, session: log.session)
    }

    /// The id after which to send events: the `Last-Event-ID` header, else the `last_event_id` parameter, else 0.
    /// Either one empty or blank (spaces and tabs) counts as absent.
    static func lastEventID(_ request: Request) throws(QueryError) -> Int {
        try LastEventID.parse(
            header: request.headers[.lastEventID], parameter: QueryString.parameter("last_event_id", in: request.uri.query))
    }

    // MARK: DELETE /v1/queries/{id}

    func cancelQuery(context: SiftRequestContext) async -> Response {
        do throws(QueryError) {
            try await queries.cancel(try Self.queryID(context), caller: context.apiKey)
        } catch {
            return .error(error, id: context.requestID)
        }
        return Response(status: .noContent)
    }

    private static func queryID(_ context: SiftRequestContext) throws(QueryError) -> QueryID {
        let text = context.parameters.get("id") ?? ""
        guard let id = QueryID(text) else { throw QueryError.queryNotFound(String(text.prefix(64))) }
        return id
    }
}

extension HTTPField.Name {
    /// `Last-Event-ID`: the id of the last event a resuming reader has.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
