import SiftCore

/// The seam between the query machine (``QueryService``) and what answers a query:
/// one ``prepare(_:)`` before anything is admitted, one ``run(id:prepared:emit:)`` after.
/// ``Pipeline`` is the production runner; ``SessionRunner`` and ``ReloadableRunner``
/// wrap one.
///
/// The server depends on this seam rather than on ``Pipeline`` directly so that
/// tests can script event sequences (floods, stalls) that a real pipeline
/// would not produce on demand.
public protocol QueryRunning: Sendable {
    /// Validates a whole request (its question, session and synthesis choices) before any stream starts.
    /// `async`, since a session's history may come from a shared store.
    func prepare(_ request: QueryRequest) async throws(QueryError) -> PreparedQuery
    /// Runs a prepared query; `emit` receives every event, ending with exactly one `done`.
    func run(id: QueryID, prepared: PreparedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
    /// Refuses search controls this runner cannot honour (a provider it lacks, more sources than its cap).
    func check(_ controls: SearchControls) throws(QueryError)
}

extension QueryRunning {
    public func check(_ controls: SearchControls) throws(QueryError) {}
}

/// What a client asked: the question's bytes and its options.
public struct QueryRequest: Sendable, Equatable {
    public var bytes: [UInt8]
    /// The session to continue, when the question is a follow-up.
    public var session: String?
    /// Models to answer with, overriding the configured ones.
    public var models: [String]?
    /// Whether compare mode ends with a merged answer.
    public var merge: Bool
    /// What the request asked of the search.
    public var controls: SearchControls
    /// Earlier turns the client keeps itself (the `messages` of an OpenAI chat request), oldest first:
    /// the query follows them up as it would a session's, and its own turn is kept nowhere.
    /// nil for a query that continues a stored ``session`` or starts one.
    public var history: [ConversationTurn]?

    public init(
        bytes: [UInt8], session: String? = nil, models: [String]? = nil, merge: Bool = true,
        controls: SearchControls = .init(), history: [ConversationTurn]? = nil
    ) {
        self.bytes = bytes
        self.controls = controls
        self.history = history
        self.session = session
        self.models = models
        self.merge = merge
    }
}

/// A request that passed validation: its analysis and its context.
public struct PreparedQuery: Sendable, Equatable {
    public var query: AnalyzedQuery
    public var context: QueryContext

    public init(query: AnalyzedQuery, context: QueryContext = .init()) {
        self.query = query
        self.context = context
    }
}

extension Pipeline: QueryRunning {
    /// Validates and analyzes the question; sessions need a ``SessionRunner``.
    public func prepare(_ request: QueryRequest) throws(QueryError) -> PreparedQuery {
        if let session = request.session { throw QueryError.sessionNotFound(session) }
        guard let text = String(validating: request.bytes, as: UTF8.self) else { throw QueryError.invalidEncoding }
        try check(request.controls)
        return PreparedQuery(
            query: try analyzer.analyze(text),
            context: QueryContext(
                history: request.history ?? [], models: request.models, merge: request.merge, controls: request.controls))
    }


    public func run(id: QueryID, prepared: PreparedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
    {
        await run(id: id, query: prepared.query, context: prepared.context, emit: emit)
    }
}
