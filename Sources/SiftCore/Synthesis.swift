/// Writes the answer from ranked passages, handing what happens to its caller as ``SynthesisOutput``.
public protocol Synthesizer: Sendable {
    /// Short name for logs and metrics (`extractive`, or `llm`).
    var name: String { get }
    /// Whether writing mostly waits on a remote model (an LLM's stream) rather than computing here:
    /// a query gives up its CPU slot (``Admission``) before such a synthesizer writes. False by default.
    var isRemote: Bool { get }
    /// Writes the answer into `output`: text pieces (citations `[n]` refer to ``Source/n``),
    /// warnings when it degrades, and a closing ``SynthesisSummary``.
    ///
    /// `output` is called from the calling task, one piece at a time, and awaited: a
    /// synthesizer goes no faster than its output is taken (backpressure reaches the model's
    /// stream), runs in its caller's task (no task of its own), and stops when `output` throws
    /// or the task is cancelled. A synthesizer that can fall back (an LLM to the extractive
    /// answer) does so itself and says so with a warning; throwing fails the query.
    func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws
}

extension Synthesizer {
    public var isRemote: Bool { false }
}

/// What a synthesizer is asked to write an answer from.
public struct SynthesisRequest: Sendable, Equatable {
    /// The question as the user asked it (for a follow-up, the follow-up's own words).
    public var question: String
    /// The analysis of what was searched for.
    public var query: AnalyzedQuery
    public var sources: [Source]
    /// Ranked passages, best first.
    public var passages: [Passage]
    /// Earlier turns of the session, oldest first.
    public var history: [ConversationTurn]
    /// Models asked for by the request, overriding the configured ones; several mean compare mode.
    public var models: [String]?
    /// Whether compare mode ends with a merged answer.
    public var merge: Bool

    public init(
        question: String, query: AnalyzedQuery, sources: [Source], passages: [Passage],
        history: [ConversationTurn] = [], models: [String]? = nil, merge: Bool = true
    ) {
        self.question = question
        self.query = query
        self.sources = sources
        self.passages = passages
        self.history = history
        self.models = models
        self.merge = merge
    }
}

/// One piece of a synthesizer's output.
public enum SynthesisOutput: Sendable, Equatable {
    /// Answer text. `model` is set for the lanes of compare mode and nil for the answer itself.
    case text(String, model: String?)
    /// The answer degraded (the LLM failed and the extractive answer follows, a citation was removed).
    case warning(PipelineEvent.Warning)
    /// A compare-mode lane started or finished.
    case lane(PipelineEvent.Lane)
    /// The last output: who wrote the answer and at what rate.
    case finished(SynthesisSummary)
}

/// How an answer was written.
public struct SynthesisSummary: Sendable, Equatable {
    /// `extractive`, or the model that wrote the answer (`a+b` for a compare without merge).
    public var synthesizer: String
    /// Answer tokens generated (as the model counted them), nil when not known.
    public var tokens: Int?
    /// Generation rate of the answer, as seen by Sift.
    public var tokensPerSecond: Double?
    /// Whether the extractive synthesizer stood in for a failed or unconfigured LLM.
    public var fellBack: Bool
    /// Whether the answer answers the question; `false` when it abstained because the
    /// sources do not support an answer (the pipeline then warns `no_answer`).
    public var answered: Bool

    public init(
        synthesizer: String, tokens: Int? = nil, tokensPerSecond: Double? = nil, fellBack: Bool = false,
        answered: Bool = true
    ) {
        self.synthesizer = synthesizer
        self.tokens = tokens
        self.tokensPerSecond = tokensPerSecond
        self.fellBack = fellBack
        self.answered = answered
    }
}

/// A finished question and answer of a session, kept so that a follow-up can build on it.
public struct ConversationTurn: Sendable, Equatable {
    public var question: String
    public var answer: String
    /// The sources the answer stood on (cited first), with their original numbers.
    public var sources: [Source]
    /// The best passages of those sources.
    public var passages: [Passage]

    public init(question: String, answer: String, sources: [Source], passages: [Passage]) {
        self.question = question
        self.answer = answer
        self.sources = sources
        self.passages = passages
    }
}

/// What a query brings besides its text: its session and synthesis choices.
public struct QueryContext: Sendable, Equatable {
    /// The session the query belongs to; its id is echoed in the `query` event.
    public var session: String?
    /// The question as asked, when the analyzed text differs (a follow-up searched with carried words).
    public var question: String?
    /// Earlier turns of the session, oldest first.
    public var history: [ConversationTurn]
    /// The words carried over from earlier turns into the search (a follow-up's context), if any.
    public var carriedTerms: String?
    /// Models asked for by the request.
    public var models: [String]?
    /// Whether compare mode ends with a merged answer.
    public var merge: Bool
    /// What the request asked of the search (sites, freshness, providers, sources, language).
    public var controls: SearchControls
    /// Whether the query is answered; false ends it after `ranked` (a search: the MCP tool `sift_search`).
    public var synthesize: Bool
    /// Who asked (the request's client: `key:NAME` or `addr:IP`; empty when unknown): the owner of the
    /// query's log and of the session turn it adds, for fair retention.
    public var owner = ""

    public init(
        session: String? = nil, question: String? = nil, history: [ConversationTurn] = [], carriedTerms: String? = nil, models: [String]? = nil,
        merge: Bool = true, controls: SearchControls = .init(), synthesize: Bool = true
    ) {
        self.controls = controls
        self.session = session
        self.question = question
        self.history = history
        self.carriedTerms = carriedTerms
        self.models = models
        self.merge = merge
        self.synthesize = synthesize
    }
}
