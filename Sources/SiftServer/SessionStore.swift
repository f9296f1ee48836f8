import NIOCore
import SiftCore
import SiftText

/// Keeps the sessions follow-up questions build on: bounded in number, in turns,
/// in text per turn and in bytes overall, and forgotten after a time without use.
///
/// A session comes into being when its first answer completes (an id is handed out
/// before, with the stream). A session that expired or was evicted is remembered
/// (bounded) as such, so that a late follow-up hears "expired" rather than "never
/// existed". Every operation is O(1) amortized: sessions sit in a queue in the order
/// they were last used, so the least recently used and the expired are at its head.
public final class SessionStore: Sendable {
    /// The bounds of the store.
    public struct Limits: Sendable, Equatable {
        /// Sessions kept at once; the least recently used goes first.
        public var maxSessions: Int
        /// Bytes of text kept over all sessions; the least recently used go first.
        public var maxBytes: Int
        /// Turns kept per session; the oldest go first.
        public var maxTurns: Int
        /// How long a session lives without a question.
        public var idleTimeout: Duration
        /// UTF-8 bytes of an answer kept per turn.
        public var maxAnswerBytes: Int
        /// Sources kept per turn (cited first).
        public var maxSources: Int
        /// Passages kept per turn, and UTF-8 bytes per passage.
        public var maxPassages: Int
        public var maxPassageBytes: Int

        public init(
            maxSessions: Int = 1024, maxBytes: Int = 16 << 20, maxTurns: Int = 4, idleTimeout: Duration = .seconds(1800),
            maxAnswerBytes: Int = 4000, maxSources: Int = 5, maxPassages: Int = 4, maxPassageBytes: Int = 1200
        ) {
            self.maxSessions = max(1, maxSessions)
            self.maxBytes = max(1 << 16, maxBytes)
            self.maxTurns = max(1, maxTurns)
            self.idleTimeout = idleTimeout
            self.maxAnswerBytes = maxAnswerBytes
            self.maxSources = maxSources
            self.maxPassages = maxPassages
            self.maxPassageBytes = maxPassageBytes
        }

        /// Ended ids remembered, to tell "expired" from "unknown": twice the sessions, at least 4,096.
        var rememberedEndings: Int { max(4096, 2 * maxSessions) }
    }

    private struct Session: Sendable {
        var turns: [ConversationTurn] = []
        var bytes = 0
        var lastUsed: ServerClock.Instant
        /// The stamp of its newest entry in `State.order`; older entries are stale.
        var stamp: UInt64 = 0
        /// Who started it (`SiftRequestContext.client`; empty when unknown).
        var owner = ""
    }

    private enum Ending: Sendable {
        case expired
        case evicted
    }

    private struct State: Sendable {
        var sessions: [String: Session] = [:]
        var bytes = 0
        /// Sessions by last use, oldest first; an entry whose stamp is not its session's is stale.
        var order = CircularBuffer<(id: String, stamp: UInt64)>()
        var nextStamp: UInt64 = 0
        var endings = RememberedEndings<String, Ending>()
        /// Sessions kept, by owner.
        var byOwner: [String: Int] = [:]
    }

    public let limits: Limits
    private let clock: ServerClock
    private let state = LockedValue(State())

    public init(limits: Limits = .init(), clock: ServerClock = .continuous) {
        self.limits = limits
        self.clock = clock
    }

    /// Sessions alive now.
    public var count: Int {
        let now = clock.now
        let limits = self.limits
        return state.withLock { state in
            Self.sweep(&state, now: now, limits: limits)
            return state.sessions.count
        }
    }

    /// Bytes of text kept now.
    public var bytes: Int { state.withLock { $0.bytes } }

    /// A new session id (24 hexadecimal characters from the system RNG); the session
    /// itself begins when its first turn is added.
    public func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<3).map { _ in
            let hex = String(generator.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// The turns of session `id`, oldest first; using a session keeps it alive.
    public func history(of id: String) throws(QueryError) -> [ConversationTurn] {
        let now = clock.now
        let limits = self.limits
        let result: Result<[ConversationTurn], QueryError> = state.withLock { state in
            Self.sweep(&state, now: now, limits: limits)
            if var session = state.sessions[id] {
                session.lastUsed = now
                Self.touch(id, &session, in: &state)
                return .success(session.turns)
            }
            if let ending = state.endings[id] {
                return .failure(.sessionExpired(id, detail: Self.describe(ending, limits: limits)))
            }
            return .failure(.sessionNotFound(id))
        }
        return try result.get()
    }

    /// Adds a finished turn to session `id`, trimmed to the limits, starting the session
    /// (or reviving it, if it ended while the turn was being answered).
    public func append(_ turn: ConversationTurn, to id: String) {
        append(turn, to: id, owner: "")
    }

    /// Adds a finished turn to session `id` as ``append(_:to:)``; a session `owner` starts is counted as
    /// theirs. When the store is full, the least recently used session of the owner holding the most
    /// sessions goes first (fair retention): one client cannot push out everyone else's sessions.
    public func append(_ turn: ConversationTurn, to id: String, owner: String) {
        let trimmed = trim(turn)
        let size = Self.size(of: trimmed)
        let now = clock.now
        let limits = self.limits
        state.withLock { state in
            Self.sweep(&state, now: now, limits: limits)
            var session = state.sessions[id] ?? Session(lastUsed: now, owner: owner)
            if state.sessions[id] == nil {
                state.endings.forget(id)
                state.byOwner[owner, default: 0] += 1
            }
            session.turns.append(trimmed)
            session.bytes += size
            state.bytes += size
            while session.turns.count > limits.maxTurns {
                let dropped = Self.size(of: session.turns.removeFirst())
                session.bytes -= dropped
                state.bytes -= dropped
            }
            session.lastUsed = now
            Self.touch(id, &session, in: &state)
            while state.sessions.count > limits.maxSessions || state.bytes > limits.maxBytes,
                Self.evictOldest(&state, limits: limits, sparing: id)
            {}
        }
    }

    /// Keeps what a follow-up needs of a turn: the answer, the sources it cited (or the best ones), their best passages.
    public func trim(_ turn: ConversationTurn) -> ConversationTurn {
        let cited = Set(CitationNumbers.cited(in: turn.answer))
        let ordered = turn.sources.filter { cited.contains($0.n) } + turn.sources.filter { !cited.contains($0.n) }
        let sources = ordered.prefix(limits.maxSources).map { source in
            var source = source
            source.title = Self.prefix(source.title, bytes: 300)
            source.url = Self.prefix(source.url, bytes: 2048)
            source.snippet = Self.prefix(source.snippet, bytes: 600)
            return source
        }
        let kept = Set(sources.map(\.n))
        let passages = turn.passages.filter { kept.contains($0.sourceN) }.prefix(limits.maxPassages).map { passage in
            var passage = passage
            passage.text = Self.prefix(passage.text, bytes: limits.maxPassageBytes)
            return passage
        }
        return ConversationTurn(
            question: Self.prefix(turn.question, bytes: 2000), answer: Self.prefix(turn.answer, bytes: limits.maxAnswerBytes),
            sources: sources, passages: Array(passages))
    }

    /// `text` cut to at most `bytes` UTF-8 bytes, at a character boundary.
    static func prefix(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            used += text.utf8.distance(from: index, to: next)
            if used > bytes { break }
            end = next
        }
        return String(text[..<end])
    }

    static func size(of turn: ConversationTurn) -> Int {
        turn.question.utf8.count + turn.answer.utf8.count
            + turn.sources.reduce(0) { $0 + $1.title.utf8.count + $1.url.utf8.count + $1.snippet.utf8.count + 64 }
            + turn.passages.reduce(0) { $0 + $1.text.utf8.count + 32 }
    }

    private static func touch(_ id: String, _ session: inout Session, in state: inout State) {
        session.stamp = state.nextStamp
        state.nextStamp &+= 1
        state.sessions[id] = session
        state.order.append((id, session.stamp))
        // Drop stale entries once they outnumber the live ones.
        if state.order.count > 2 * state.sessions.count + 64 {
            let sessions = state.sessions
            state.order = CircularBuffer(state.order.filter { sessions[$0.id]?.stamp == $0.stamp })
        }
    }

    /// Removes the least recently used session (not `sparing`) of the owner holding the most sessions;
    /// false when there is none. O(sessions) in the worst case, for the search of that owner's oldest.
    private static func evictOldest(_ state: inout State, limits: Limits, sparing: String) -> Bool {
        // Owners by sessions held, most first; the first with a session other than `sparing` loses it.
        for (owner, _) in state.byOwner.sorted(by: { $0.value > $1.value }) {
            var index = state.order.startIndex
            while index < state.order.endIndex {
                let entry = state.order[index]
                if let session = state.sessions[entry.id], session.stamp == entry.stamp, session.owner == owner,
                    entry.id != sparing
                {
                    state.order.remove(at: index)
                    end(entry.id, session, .evicted, in: &state, limits: limits)
                    return true
                }
                index = state.order.index(after: index)
            }
        }
        return false
    }

    /// Ends the sessions at the head of the queue that have been idle too long.
    private static func sweep(_ state: inout State, now: ServerClock.Instant, limits: Limits) {
        while let first = state.order.first {
            guard let session = state.sessions[first.id], session.stamp == first.stamp else {
                state.order.removeFirst()
                continue
            }
            guard session.lastUsed.duration(to: now) > limits.idleTimeout else { return }
            state.order.removeFirst()
            end(first.id, session, .expired, in: &state, limits: limits)
        }
    }

    private static func end(_ id: String, _ session: Session, _ ending: Ending, in state: inout State, limits: Limits) {
        state.sessions[id] = nil
        state.bytes -= session.bytes
        let left = (state.byOwner[session.owner] ?? 1) - 1
        state.byOwner[session.owner] = left > 0 ? left : nil
        state.endings.remember(ending, for: id, capacity: limits.rememberedEndings)
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
