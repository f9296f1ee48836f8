import SiftCore
import SiftText

/// Keeps the sessions follow-up questions build on: bounded in number, in turns
/// and in text per turn, and forgotten after a time without use.
///
/// A session that expired or was evicted is remembered (bounded) as such, so that a
/// late follow-up hears "expired" rather than "never existed".
public final class SessionStore: Sendable {
    /// The bounds of the store.
    public struct Limits: Sendable, Equatable {
        /// Sessions kept at once; the least recently used goes first.
        public var maxSessions: Int
        /// Turns kept per session; the oldest go first.
        public var maxTurns: Int
        /// How long a session lives without a question.
        public var idleTimeout: Duration
        /// Characters of an answer kept per turn.
        public var maxAnswerCharacters: Int
        /// Sources kept per turn (cited first).
        public var maxSources: Int
        /// Passages kept per turn, and characters per passage.
        public var maxPassages: Int
        public var maxPassageCharacters: Int
        /// Expired and evicted ids remembered, to tell "expired" from "unknown".
        public var rememberedEndings: Int

        public init(
            maxSessions: Int = 256, maxTurns: Int = 4, idleTimeout: Duration = .seconds(1800),
            maxAnswerCharacters: Int = 2000, maxSources: Int = 5, maxPassages: Int = 4, maxPassageCharacters: Int = 600,
            rememberedEndings: Int = 4096
        ) {
            self.maxSessions = max(1, maxSessions)
            self.maxTurns = max(1, maxTurns)
            self.idleTimeout = idleTimeout
            self.maxAnswerCharacters = maxAnswerCharacters
            self.maxSources = maxSources
            self.maxPassages = maxPassages
            self.maxPassageCharacters = maxPassageCharacters
            self.rememberedEndings = rememberedEndings
        }
    }

    private struct Session: Sendable {
        var turns: [ConversationTurn] = []
        var lastUsed: ContinuousClock.Instant
    }

    private enum Ending: Sendable {
        case expired
        case evicted
    }

    private struct State: Sendable {
        var sessions: [String: Session] = [:]
        var endings: [String: Ending] = [:]
        var endingOrder: [String] = []
    }

    public let limits: Limits
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = LockedValue(State())

    public init(limits: Limits = .init(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    /// Sessions alive now.
    public var count: Int { state.withLock { $0.sessions.count } }

    /// Starts a session and returns its id (24 hexadecimal characters from the system RNG).
    public func create() -> String {
        var generator = SystemRandomNumberGenerator()
        let id = (0..<3).map { _ in
            let hex = String(generator.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
        let now = self.now()
        let limits = self.limits
        state.withLock { state in
            Self.sweep(&state, now: now, limits: limits)
            while state.sessions.count >= limits.maxSessions,
                let oldest = state.sessions.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key
            {
                state.sessions[oldest] = nil
                Self.remember(oldest, .evicted, in: &state, limits: limits)
            }
            state.sessions[id] = Session(lastUsed: now)
        }
        return id
    }

    /// The turns of session `id`, oldest first; using a session keeps it alive.
    public func history(of id: String) throws(QueryError) -> [ConversationTurn] {
        let now = self.now()
        let limits = self.limits
        let result: Result<[ConversationTurn], QueryError> = state.withLock { state in
            if var session = state.sessions[id] {
                if session.lastUsed.duration(to: now) > limits.idleTimeout {
                    state.sessions[id] = nil
                    Self.remember(id, .expired, in: &state, limits: limits)
                    return .failure(.sessionExpired(id, detail: Self.describe(.expired, limits: limits)))
                }
                session.lastUsed = now
                state.sessions[id] = session
                return .success(session.turns)
            }
            if let ending = state.endings[id] {
                return .failure(.sessionExpired(id, detail: Self.describe(ending, limits: limits)))
            }
            return .failure(.sessionNotFound(id))
        }
        return try result.get()
    }

    /// Adds a finished turn to session `id`, trimmed to the limits. A session that ended meanwhile is not revived.
    public func append(_ turn: ConversationTurn, to id: String) {
        let trimmed = trim(turn)
        let now = self.now()
        let limits = self.limits
        state.withLock { state in
            guard var session = state.sessions[id] else { return }
            session.turns.append(trimmed)
            if session.turns.count > limits.maxTurns { session.turns.removeFirst(session.turns.count - limits.maxTurns) }
            session.lastUsed = now
            state.sessions[id] = session
        }
    }

    /// Keeps what a follow-up needs of a turn: the answer, the sources it cited (or the best ones), their best passages.
    func trim(_ turn: ConversationTurn) -> ConversationTurn {
        let cited = Set(CitationNumbers.cited(in: turn.answer))
        let ordered = turn.sources.filter { cited.contains($0.n) } + turn.sources.filter { !cited.contains($0.n) }
        var sources = Array(ordered.prefix(limits.maxSources))
        for index in sources.indices { sources[index].snippet = String(sources[index].snippet.prefix(300)) }
        let kept = Set(sources.map(\.n))
        let passages = turn.passages.filter { kept.contains($0.sourceN) }.prefix(limits.maxPassages).map { passage in
            var passage = passage
            passage.text = String(passage.text.prefix(limits.maxPassageCharacters))
            return passage
        }
        return ConversationTurn(
            question: String(turn.question.prefix(1000)), answer: String(turn.answer.prefix(limits.maxAnswerCharacters)),
            sources: sources, passages: Array(passages))
    }

    private static func sweep(_ state: inout State, now: ContinuousClock.Instant, limits: Limits) {
        for (id, session) in state.sessions where session.lastUsed.duration(to: now) > limits.idleTimeout {
            state.sessions[id] = nil
            remember(id, .expired, in: &state, limits: limits)
        }
    }

    private static func remember(_ id: String, _ ending: Ending, in state: inout State, limits: Limits) {
        if state.endings.updateValue(ending, forKey: id) == nil { state.endingOrder.append(id) }
        if state.endingOrder.count > limits.rememberedEndings {
            let forgotten = state.endingOrder.removeFirst()
            state.endings[forgotten] = nil
        }
    }

    private static func describe(_ ending: Ending, limits: Limits) -> String {
        switch ending {
        case .expired:
            limits.idleTimeout.components.seconds >= 120
                ? "expired after \(limits.idleTimeout.components.seconds / 60) minutes without a question"
                : "expired after \(limits.idleTimeout.components.seconds) seconds without a question"
        case .evicted: "was closed to make room (Sift keeps \(limits.maxSessions) sessions)"
        }
    }
}
