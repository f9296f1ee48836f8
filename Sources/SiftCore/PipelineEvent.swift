/// One event of the streaming protocol (docs/api.md). Each carries the
/// milliseconds elapsed since the query started; the payload says what happened.
public struct PipelineEvent: Sendable, Equatable {
    /// Milliseconds since the query was accepted, with microsecond resolution.
    public var elapsedMs: Double
    public var payload: Payload

    public init(elapsedMs: Double, payload: Payload) {
        self.elapsedMs = elapsedMs
        self.payload = payload
    }

    /// The `event:` type on the wire.
    public var type: EventType { payload.type }

    /// The wire event types, in the order a normal stream uses them.
    public enum EventType: String, Sendable, CaseIterable, Codable {
        case status, query, source, fetch, ranked, lane, delta, warning, metrics, error, done
    }

    /// What the event says.
    public enum Payload: Sendable, Equatable {
        case status(Status)
        case query(QueryInfo)
        case source(Source)
        case fetch(Fetch)
        case ranked(Ranked)
        case lane(Lane)
        case delta(Delta)
        case warning(Warning)
        case metrics(Metrics)
        case error(ErrorInfo)
        case done(Done)

        public var type: EventType {
            switch self {
            case .status: .status
            case .query: .query
            case .source: .source
            case .fetch: .fetch
            case .ranked: .ranked
            case .lane: .lane
            case .delta: .delta
            case .warning: .warning
            case .metrics: .metrics
            case .error: .error
            case .done: .done
            }
        }
    }

    /// `status`: the pipeline entered a stage.
    public struct Status: Sendable, Equatable, Codable {
        public var stage: Stage
        public var message: String
        /// On `searching`: the providers asked, so a client can show each one's progress.
        public var providers: [String]?
        public init(stage: Stage, message: String, providers: [String]? = nil) {
            self.stage = stage
            self.message = message
            self.providers = providers
        }
    }

    /// `query`: the result of query analysis.
    public struct QueryInfo: Sendable, Equatable, Codable {
        public var id: QueryID
        public var original: String
        public var normalized: String
        public var kind: QueryKind
        public var terms: [String]
        public var focus: String?
        public var complexity: Int
        public var ambiguousTerms: [String]
        public var subQueries: [String]
        public var suitable: Bool
        public var reason: String?
        /// The session the query belongs to; pass it as `session` to ask a follow-up.
        public var session: String?
        /// Words a follow-up carried over from the session's earlier questions into the search.
        public var context: String?
        /// The relation a factual question asks of its subject, and the type of answer expected.
        public var frame: QuestionFrame?

        public init(id: QueryID, analyzed: AnalyzedQuery, session: String? = nil, context: String? = nil) {
            self.frame = analyzed.frame
            self.id = id
            self.original = analyzed.original
            self.normalized = analyzed.normalized
            self.kind = analyzed.kind
            self.terms = analyzed.terms
            self.focus = analyzed.focus
            self.complexity = analyzed.complexity
            self.ambiguousTerms = analyzed.ambiguousTerms
            self.subQueries = analyzed.subQueries
            self.suitable = true
            self.reason = nil
            self.session = session
            self.context = context
        }

        enum CodingKeys: String, CodingKey {
            case id, original, normalized, kind, terms, focus, complexity
            case ambiguousTerms = "ambiguous_terms"
            case subQueries = "sub_queries"
            case suitable, reason, session, context, frame
        }
    }

    /// `fetch`: progress of reading one source's page.
    public struct Fetch: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable, CaseIterable { case started, done, failed, skipped }
        public var n: Int
        public var state: State
        public var bytes: Int?
        public var ms: Double?
        public var reason: String?
        public init(n: Int, state: State, bytes: Int? = nil, ms: Double? = nil, reason: String? = nil) {
            self.n = n
            self.state = state
            self.bytes = bytes
            self.ms = ms
            self.reason = reason
        }
    }

    /// `ranked`: the passages the answer is built from.
    public struct Ranked: Sendable, Equatable, Codable {
        public var passages: [Passage]
        public init(passages: [Passage]) { self.passages = passages }
    }

    /// `delta`: the next piece of answer text (never the whole text again).
    public struct Delta: Sendable, Equatable, Codable {
        public var text: String
        /// In compare mode, the model whose lane this text belongs to; absent for the answer itself.
        public var model: String?
        public init(text: String, model: String? = nil) {
            self.text = text
            self.model = model
        }
    }

    /// `lane`: in compare mode, one model's answer started or finished.
    public struct Lane: Sendable, Equatable, Codable {
        public enum State: String, Sendable, Codable, CaseIterable { case started, done, failed }
        public var model: String
        public var state: State
        /// Answer tokens the model generated (when done).
        public var tokens: Int?
        /// Milliseconds from the lane's request to its first token.
        public var firstTokenMs: Double?
        public var tokensPerSecond: Double?
        /// Why the lane failed, in words.
        public var reason: String?

        public init(
            model: String, state: State, tokens: Int? = nil, firstTokenMs: Double? = nil,
            tokensPerSecond: Double? = nil, reason: String? = nil
        ) {
            self.model = model
            self.state = state
            self.tokens = tokens
            self.firstTokenMs = firstTokenMs
            self.tokensPerSecond = tokensPerSecond
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case model, state, tokens
            case firstTokenMs = "first_token_ms"
            case tokensPerSecond = "tokens_per_second"
            case reason
        }
    }

    /// `warning`: something degraded, the query goes on.
    public struct Warning: Sendable, Equatable, Codable {
        public var code: String
        public var message: String
        public var provider: String?
        /// The model a synthesis warning is about.
        public var model: String?
        public init(code: String, message: String, provider: String? = nil, model: String? = nil) {
            self.code = code
            self.message = message
            self.provider = provider
            self.model = model
        }
    }

    /// `metrics`: the query's own figures, sent just before `done`.
    public struct Metrics: Sendable, Equatable, Codable {
        public var firstStatusMs: Double
        public var firstSourceMs: Double?
        public var firstDeltaMs: Double?
        public var totalMs: Double
        public var sources: Int
        public var passages: Int
        public var pages: Int
        public var bytes: Int
        public var tokens: Int
        /// Who wrote the answer: `extractive` or the model.
        public var synthesizer: String?
        /// The answer's generation rate, when an LLM wrote it.
        public var tokensPerSecond: Double?
        /// Whether the answer answers the question (`false` after a `no_answer` warning); nil when no
        /// answer was written (the query failed before synthesis).
        public var answered: Bool?

        public init(
            firstStatusMs: Double, firstSourceMs: Double?, firstDeltaMs: Double?, totalMs: Double, sources: Int,
            passages: Int, pages: Int, bytes: Int, tokens: Int, synthesizer: String? = nil,
            tokensPerSecond: Double? = nil, answered: Bool? = nil
        ) {
            self.answered = answered
            self.firstStatusMs = firstStatusMs
            self.firstSourceMs = firstSourceMs
            self.firstDeltaMs = firstDeltaMs
            self.totalMs = totalMs
            self.sources = sources
            self.passages = passages
            self.pages = pages
            self.bytes = bytes
            self.tokens = tokens
            self.synthesizer = synthesizer
            self.tokensPerSecond = tokensPerSecond
        }

        enum CodingKeys: String, CodingKey {
            case firstStatusMs = "first_status_ms"
            case firstSourceMs = "first_source_ms"
            case firstDeltaMs = "first_delta_ms"
            case totalMs = "total_ms"
            case sources, passages, pages, bytes, tokens, synthesizer, answered
            case tokensPerSecond = "tokens_per_second"
        }
    }

    /// `error`: the query failed; `done` follows.
    public struct ErrorInfo: Sendable, Equatable, Codable {
        public var code: String
        public var message: String
        public var stage: Stage
        public var retryable: Bool
        public init(_ error: QueryError) {
            self.code = error.code
            self.message = error.message
            self.stage = error.stage
            self.retryable = error.retryable
        }

        enum CodingKeys: String, CodingKey {
            case code, message, stage, retryable
        }
    }

    /// `done`: the last event of every stream.
    public struct Done: Sendable, Equatable, Codable {
        public var outcome: Outcome
        public init(outcome: Outcome) { self.outcome = outcome }
    }

    /// How a query ended.
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case complete, cancelled, failed
    }
}

extension PipelineEvent: Codable {
    private enum EnvelopeKeys: String, CodingKey {
        case type
        case elapsedMs = "elapsed_ms"
    }

    /// Encodes the payload's fields flat, plus `elapsed_ms`. The type travels in
    /// the SSE `event:` line; ``encode(to:)`` leaves it out of the data.
    public func encode(to encoder: any Encoder) throws {
        switch payload {
        case .status(let value): try value.encode(to: encoder)
        case .query(let value): try value.encode(to: encoder)
        case .source(let value): try value.encode(to: encoder)
        case .fetch(let value): try value.encode(to: encoder)
        case .ranked(let value): try value.encode(to: encoder)
        case .lane(let value): try value.encode(to: encoder)
        case .delta(let value): try value.encode(to: encoder)
        case .warning(let value): try value.encode(to: encoder)
        case .metrics(let value): try value.encode(to: encoder)
        case .error(let value): try value.encode(to: encoder)
        case .done(let value): try value.encode(to: encoder)
        }
        var container = encoder.container(keyedBy: EnvelopeKeys.self)
        try container.encode(elapsedMs, forKey: .elapsedMs)
    }

    /// Decodes the data of an event whose type is given in `type` (or by the
    /// decoder's `userInfo`-free convention: a `type` key inside the object).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeKeys.self)
        let type = try container.decode(EventType.self, forKey: .type)
        try self.init(type: type, from: decoder)
    }

    /// Decodes the data of an event of the given wire `type`.
    public init(type: EventType, from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: EnvelopeKeys.self)
        let elapsed = try container.decode(Double.self, forKey: .elapsedMs)
        let payload: Payload
        switch type {
        case .status: payload = .status(try Status(from: decoder))
        case .query: payload = .query(try QueryInfo(from: decoder))
        case .source: payload = .source(try Source(from: decoder))
        case .fetch: payload = .fetch(try Fetch(from: decoder))
        case .ranked: payload = .ranked(try Ranked(from: decoder))
        case .lane: payload = .lane(try Lane(from: decoder))
        case .delta: payload = .delta(try Delta(from: decoder))
        case .warning: payload = .warning(try Warning(from: decoder))
        case .metrics: payload = .metrics(try Metrics(from: decoder))
        case .error: payload = .error(try ErrorInfo(from: decoder))
        case .done: payload = .done(try Done(from: decoder))
        }
        self.init(elapsedMs: elapsed, payload: payload)
    }
}

extension PipelineEvent.Warning {
    /// `no_answer`: the sources found do not support an answer, so the answer says so
    /// instead of asserting one (the `metrics` event then has `answered: false`).
    public static let noAnswer = PipelineEvent.Warning(
        code: "no_answer",
        message: "The sources found do not answer this question; the answer names the closest ones instead.")
}
