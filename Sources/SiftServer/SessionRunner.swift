import SiftCore

/// Gives every query a session, so that any answer can be followed up: a request
/// naming a session continues it (its earlier turns go to the pipeline), one that
/// names none starts a new one. A turn that completes is kept for the next.
/// A request that brings its own earlier turns (``QueryRequest/history``) is followed
/// up the same way, in no session: nothing of it is kept.
public struct SessionRunner: QueryRunning {
    let inner: any QueryRunning
    let analyzer: any QueryAnalyzing
    public let store: any SessionStoring
    let metrics: SiftMetrics?

    public init(inner: any QueryRunning, analyzer: any QueryAnalyzing, store: any SessionStoring, metrics: SiftMetrics? = nil) {
        self.inner = inner
        self.analyzer = analyzer
        self.store = store
        self.metrics = metrics
    }

    /// The question `bytes` validated and analyzed by the inner runner, outside any session.
    private func analyze(_ bytes: [UInt8]) async throws(QueryError) -> AnalyzedQuery {
        try await inner.prepare(QueryRequest(bytes: bytes)).query
    }

    /// Resolves the session (a typed error when it is unknown or expired) and, for a
    /// follow-up that refers back, searches with the words it carries over.
    public func prepare(_ request: QueryRequest) async throws(QueryError) -> PreparedQuery {
        try inner.check(request.controls)
        var query = try await analyze(request.bytes)
        var context = QueryContext(models: request.models, merge: request.merge, controls: request.controls)
        if let session = request.session {
            context.session = session
            context.history = try await store.history(of: session)
        } else if let history = request.history {
            // The client keeps the conversation (an OpenAI chat's messages): follow it up, keep nothing.
            context.history = history
        } else {
            context.session = store.newID()
            return PreparedQuery(query: query, context: context)
        }
        guard !context.history.isEmpty else { return PreparedQuery(query: query, context: context) }
        let earlier = context.history.map(\.question).filter { !$0.isEmpty }
        if let resolved = analyzer.resolvingReferences(in: query.original, earlier: earlier),
            let searched = try? await analyze(Array(resolved.utf8))
        {
            // "its symbol" after a question about iron is "iron's symbol".
            context.question = query.original
            context.carriedTerms = resolved
            query = searched
        } else if let carried = analyzer.carriedTerms(for: query, earlier: earlier),
            let searched = try? await analyze(Array((query.original + " " + carried).utf8))
        {
            context.question = query.original
            context.carriedTerms = carried
            query = searched
        }
        return PreparedQuery(query: query, context: context)
    }

    /// Runs the query and keeps its turn in the session when it completes. The turn is the
    /// same fold of the events as the answer of `POST /v1/answer` (``AnswerDocument``).
    public func check(_ controls: SearchControls) throws(QueryError) { try inner.check(controls) }

    public func run(id: QueryID, prepared: PreparedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
    {
        let fold = LockedValue(AnswerDocument(id: id))
        let store = self.store
        let outcome = await inner.run(id: id, prepared: prepared) { event in
            fold.withLock { $0.add(event) }
            // The turn is kept before `done` leaves: a client that asks its follow-up as soon as the
            // answer ends must find the session.
            if case .done(let done) = event.payload, done.outcome == .complete, let session = prepared.context.session {
                let document = fold.withLock { $0 }
                let turn = ConversationTurn(
                    question: prepared.context.question ?? prepared.query.original, answer: document.answer,
                    sources: document.sources, passages: document.passages)
                await store.append(turn, to: session, owner: prepared.context.owner)
            }
            await emit(event)
        }
        metrics?.recordSessions(await store.count)
        return outcome
    }
}
