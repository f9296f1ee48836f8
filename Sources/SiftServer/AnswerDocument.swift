import SiftCore

/// The fold of a query's events into one document: the answer of `POST /v1/answer`,
/// and what a session keeps of a turn (``SessionRunner``). Every consumer that wants
/// "the answer so far" folds the same way, here.
struct AnswerDocument: Encodable, Sendable {
    var id: QueryID
    var outcome: PipelineEvent.Outcome = .failed
    /// Pass it as `session` to ask a follow-up.
    var session: String?
    var query: PipelineEvent.QueryInfo?
    var answer = ""
    /// In compare mode, each model's own answer and how its lane ended.
    var lanes: [LaneDocument] = []
    var sources: [Source] = []
    var passages: [Passage] = []
    var warnings: [PipelineEvent.Warning] = []
    var metrics: PipelineEvent.Metrics?
    var error: PipelineEvent.ErrorInfo?

    init(id: QueryID) { self.id = id }

    mutating func add(_ event: PipelineEvent) {
        switch event.payload {
        case .query(let info): query = info
        case .source(let source):
            // A source already announced comes again when another provider also found it.
            if let known = sources.firstIndex(where: { $0.n == source.n }) {
                sources[known] = source
            } else {
                sources.append(source)
            }
        case .ranked(let ranked): passages = ranked.passages
        case .delta(let delta):
            if let model = delta.model {
                lane(model) { $0.answer += delta.text }
            } else {
                answer += delta.text
            }
        case .lane(let event):
            lane(event.model) { lane in
                lane.state = event.state
                lane.tokens = event.tokens ?? lane.tokens
                lane.firstTokenMs = event.firstTokenMs ?? lane.firstTokenMs
                lane.tokensPerSecond = event.tokensPerSecond ?? lane.tokensPerSecond
                lane.reason = event.reason ?? lane.reason
            }
        case .warning(let warning): warnings.append(warning)
        case .metrics(let value): metrics = value
        case .error(let info): error = info
        case .done(let done): outcome = done.outcome
        case .status, .fetch: break
        }
    }

    private mutating func lane(_ model: String, _ change: (inout LaneDocument) -> Void) {
        if let index = lanes.firstIndex(where: { $0.model == model }) {
            change(&lanes[index])
        } else {
            var lane = LaneDocument(model: model)
            change(&lane)
            lanes.append(lane)
        }
    }
}

/// One compare-mode lane in the answer document.
struct LaneDocument: Encodable, Sendable, Equatable {
    var model: String
    var state: PipelineEvent.Lane.State = .started
    var answer = ""
    var tokens: Int?
    var firstTokenMs: Double?
    var tokensPerSecond: Double?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case model, state, answer, tokens
        case firstTokenMs = "first_token_ms"
        case tokensPerSecond = "tokens_per_second"
        case reason
    }
}
