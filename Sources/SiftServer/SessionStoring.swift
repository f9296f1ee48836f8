import SiftCore

/// Where sessions and their turns are kept: the first piece of siftd's state behind a
/// store interface (issue 13, part 2). ``SessionStore`` keeps them in this process's
/// memory and is the default; a shared backend (PostgreSQL) would let a follow-up
/// continue a session on any replica.
///
/// Every call is `async` so that a backend may go over the network; the memory backend
/// answers at once. Bounds (sessions, turns, bytes) and the idle TTL are the backend's.
public protocol SessionStoring: Sendable {
    /// A new, unguessable session id. Nothing is stored until a turn is appended.
    func newID() -> String
    /// The turns of `session`, oldest first; using a session restarts its idle time.
    /// Throws `session_not_found` for an id never issued, `session_expired` for one gone.
    func history(of session: String) async throws(QueryError) -> [ConversationTurn]
    /// Keeps a completed turn in `session` (trimmed to the store's bounds).
    func append(_ turn: ConversationTurn, to session: String) async
    /// Keeps a completed turn in `session` for `owner` (who asked): a store that is full evicts the sessions
    /// of the owner holding the most first. A store that does not keep owners appends as above.
    func append(_ turn: ConversationTurn, to session: String, owner: String) async
    /// Sessions kept now.
    var count: Int { get async }
}

extension SessionStoring {
    public func append(_ turn: ConversationTurn, to session: String, owner: String) async {
        await append(turn, to: session)
    }
}

extension SessionStore: SessionStoring {}
