import FoundationEssentials
import PostgresNIO
import SiftCore
import SiftServer

/// Sessions and their turns (``SessionStoring``) in `sift_sessions`: one row per session, its turns
/// as a JSON array (at most `maxTurns`, each trimmed as the memory store trims it), its state (`live`,
/// `expired`, `evicted`: an ended session is remembered a day so that a late follow-up hears
/// "expired") and its last use. Idle sessions expire and the least recently used beyond
/// `SIFT_SESSIONS_MAX` are evicted by the sweep, so the table's text is bounded by
/// sessions × turns × the per-turn bounds.
extension PostgresStore: SessionStoring {
    private struct StoredTurn: Codable {
        var question: String
        var answer: String
        var sources: [Source]
        var passages: [Passage]
    }

    public func newID() -> String { sessionRules.newID() }

    public func history(of session: String) async throws(QueryError) -> [ConversationTurn] {
        let (client, logger) = (client, logger)
        let ttl = Double(sessionLimits.idleTimeout.components.seconds)
        let found: (String, String?)?
        do {
            found = try await operation("session_read") {
                let rows = try await client.query(
                    """
                    WITH used AS (
                        UPDATE sift_sessions SET last_used = now()
                        WHERE id = \(session) AND state = 'live' AND last_used > now() - \(ttl) * interval '1 second'
                        RETURNING turns::text)
                    SELECT s.state, used.turns FROM sift_sessions AS s LEFT JOIN used ON true WHERE s.id = \(session)
                    """, logger: logger)
                for try await row in rows.decode((String, String?).self) { return row }
                return nil
            }
        } catch {
            throw QueryError.storeUnavailable(error.description)
        }
        guard let (state, turns) = found else { throw QueryError.sessionNotFound(session) }
        guard let turns else {
            let minutes = sessionLimits.idleTimeout.components.seconds / 60
            throw QueryError.sessionExpired(
                session,
                detail: state == "evicted"
                    ? "was dropped to make room (Sift keeps \(sessionLimits.maxSessions) sessions)"
                    : "was not used for \(minutes) minutes")
        }
        let decoded = (try? JSONDecoder().decode([StoredTurn].self, from: Data(turns.utf8))) ?? []
        return decoded.map {
            ConversationTurn(question: $0.question, answer: $0.answer, sources: $0.sources, passages: $0.passages)
        }
    }

    public func append(_ turn: ConversationTurn, to session: String) async {
        let trimmed = sessionRules.trim(turn)
        let stored = StoredTurn(
            question: trimmed.question, answer: trimmed.answer, sources: trimmed.sources, passages: trimmed.passages)
        guard let json = try? JSONEncoder().encode(stored) else { return }
        let text = String(decoding: json, as: UTF8.self)
        let (client, logger) = (client, logger)
        let maxTurns = sessionLimits.maxTurns
        do {
            try await operation("session_write") {
                // A live session keeps its newest turns; an ended one starts again from this turn.
                _ = try await client.query(
                    """
                    INSERT INTO sift_sessions AS s (id, turns, state, last_used)
                    VALUES (\(session), jsonb_build_array(\(text)::jsonb), 'live', now())
                    ON CONFLICT (id) DO UPDATE SET
                        turns = CASE WHEN s.state = 'live' THEN (
                            SELECT coalesce(jsonb_agg(t.value ORDER BY t.n), '[]'::jsonb) FROM (
                                SELECT value, n FROM jsonb_array_elements(s.turns || jsonb_build_array(\(text)::jsonb))
                                WITH ORDINALITY AS e(value, n) ORDER BY n DESC LIMIT \(maxTurns)) AS t)
                        ELSE jsonb_build_array(\(text)::jsonb) END,
                        state = 'live', last_used = now()
                    """, logger: logger
                ).collect()
            }
        } catch {
            logger.warning("a session's turn could not be kept", metadata: ["error": "\(error)"])
        }
    }

    public var count: Int {
        get async {
            let (client, logger) = (client, logger)
            let ttl = Double(sessionLimits.idleTimeout.components.seconds)
            return
                (try? await operation("session_read") {
                    let rows = try await client.query(
                        """
                        SELECT count(*) FROM sift_sessions
                        WHERE state = 'live' AND last_used > now() - \(ttl) * interval '1 second'
                        """, logger: logger)
                    for try await count in rows.decode(Int.self) { return count }
                    return 0
                }) ?? 0
        }
    }
}
