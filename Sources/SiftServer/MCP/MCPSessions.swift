/// The MCP sessions open now, bounded: at most ``Limits/maxSessions``, each ended after
/// ``Limits/idleTimeout`` without a request. When the table is full, a new session replaces the
/// least recently used one if that one has been idle for ``Limits/evictableAfter``; otherwise it
/// is refused (HTTP 503 with `Retry-After`), so a burst of `initialize` cannot push out sessions
/// in use.
final class MCPSessions: Sendable {
    struct Limits: Sendable {
        var maxSessions = 256
        var idleTimeout: Duration = .seconds(1800)
        var evictableAfter: Duration = .seconds(30)
        /// Requests one session may have in flight at once.
        var maxInFlight = 16
    }

    private struct Entry: Sendable {
        let session: MCPSession
        var lastUsed: ServerClock.Instant
    }

    let limits: Limits
    private let clock: ServerClock
    private let entries = LockedValue([String: Entry]())

    init(limits: Limits, clock: ServerClock) {
        self.limits = limits
        self.clock = clock
    }

    /// Sessions open now.
    var count: Int { entries.withLock { $0.count } }

    /// Adds `session`; returns the sessions it pushed out (expired ones, or the least recently used),
    /// for the caller to close, or nil when the table is full of sessions in use.
    func insert(_ session: MCPSession) -> [MCPSession]? {
        let now = clock.now
        let limits = self.limits
        return entries.withLock { entries -> [MCPSession]? in
            var removed: [MCPSession] = []
            for (id, entry) in entries where entry.lastUsed.duration(to: now) >= limits.idleTimeout {
                removed.append(entry.session)
                entries.removeValue(forKey: id)
            }
            if entries.count >= limits.maxSessions {
                guard let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }),
                    oldest.value.lastUsed.duration(to: now) >= limits.evictableAfter
                else { return nil }
                removed.append(oldest.value.session)
                entries.removeValue(forKey: oldest.key)
            }
            entries[session.id] = Entry(session: session, lastUsed: now)
            return removed
        }
    }

    /// The session `id`, marked as used now; nil when there is none (never was, ended, or expired:
    /// an expired one is returned in `expired` for the caller to close).
    func use(_ id: String) -> (session: MCPSession?, expired: MCPSession?) {
        let now = clock.now
        let idleTimeout = limits.idleTimeout
        return entries.withLock { entries in
            guard var entry = entries[id] else { return (nil, nil) }
            if entry.lastUsed.duration(to: now) >= idleTimeout {
                entries.removeValue(forKey: id)
                return (nil, entry.session)
            }
            entry.lastUsed = now
            entries[id] = entry
            return (entry.session, nil)
        }
    }

    /// Marks session `id` as used now (a long call that just ended).
    func touch(_ id: String) {
        let now = clock.now
        entries.withLock { entries in entries[id]?.lastUsed = now }
    }

    /// Removes session `id` (DELETE); the caller closes it.
    func remove(_ id: String) -> MCPSession? {
        entries.withLock { $0.removeValue(forKey: id)?.session }
    }

    /// Removes every session (shutdown); the caller closes them.
    func removeAll() -> [MCPSession] {
        entries.withLock { entries in
            defer { entries.removeAll() }
            return entries.values.map(\.session)
        }
    }
}
