import PostgresNIO
import SiftCore
import SiftServer

/// The event logs and leases of queries (``SharedQueryStore``).
///
/// - `sift_queries`: one row per query: owner, state (`running`, `ended`, `expired`), lease, the
///   count and bytes of its stored events.
/// - `sift_events`: (query, seq) → type and JSON; append-only, seq is the SSE `id:`.
///
/// An append is one statement: it checks that this replica still owns the running query and that
/// the events follow the last stored one, inserts them, and notifies `sift_events` with the id;
/// the notification is delivered when the statement commits. A takeover flips a query whose lease
/// ran out from `running` to `ended` under its row lock, so exactly one replica writes its
/// closing events, whichever replicas race.
extension PostgresStore {
    private var leaseSeconds: Double { Double(leaseDuration.components.seconds) }

    public func create(id: QueryID, session: String?, resumable: Bool) async throws(StoreFailure) {
        try await create(id: id, session: session, resumable: resumable, apiKey: nil)
    }

    public func create(id: QueryID, session: String?, resumable: Bool, apiKey: String?) async throws(StoreFailure) {
        let (client, replica, lease, logger) = (client, replica, leaseSeconds, logger)
        try await operation("create") {
            _ = try await client.query(
                """
                INSERT INTO sift_queries (id, owner, state, session, resumable, lease_until, api_key)
                VALUES (\(id.rawValue), \(replica), 'running', \(session), \(resumable), now() + \(lease) * interval '1 second',
                    \(apiKey))
                """, logger: logger
            ).collect()
        }
    }

    public func append(id: QueryID, events: [StoredEvent], ended: Bool) async throws(StoreFailure) {
        guard let first = events.first, let last = events.last else { return }
        let (client, replica, logger) = (client, replica, logger)
        let seqs = events.map(\.seq)
        let types = events.map(\.type)
        let data = events.map(\.json)
        let bytes = events.reduce(0) { $0 + $1.json.utf8.count }
        let after = first.seq - 1
        try await operation("append") {
            do {
                let rows = try await client.query(
                    """
                    WITH owned AS (
                        UPDATE sift_queries SET event_count = \(last.seq), bytes = bytes + \(bytes),
                            state = CASE WHEN \(ended) THEN 'ended' ELSE state END,
                            ended_at = CASE WHEN \(ended) THEN now() ELSE ended_at END
                        WHERE id = \(id.rawValue) AND owner = \(replica) AND state = 'running' AND event_count = \(after)
                        RETURNING id),
                    stored AS (
                        INSERT INTO sift_events (query_id, seq, type, data)
                        SELECT owned.id, e.seq, e.type, e.data
                        FROM owned, unnest(\(seqs)::integer[], \(types)::text[], \(data)::text[]) AS e(seq, type, data)
                        RETURNING 1)
                    SELECT (SELECT count(*) FROM stored)::bigint, pg_notify('sift_events', owned.id)::text FROM owned
                    """, logger: logger
                ).collect()
                guard !rows.isEmpty else { throw StoreFailure.lostOwnership }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                // Another replica wrote these numbers: it took the query over.
                throw StoreFailure.lostOwnership
            }
        }
    }

    public func query(_ id: QueryID) async throws(StoreFailure) -> StoredQuery? {
        let (client, logger) = (client, logger)
        return try await operation("query") {
            let rows = try await client.query(
                "SELECT state, session, resumable, owner, event_count, api_key FROM sift_queries WHERE id = \(id.rawValue)",
                logger: logger)
            for try await (state, session, resumable, owner, count, apiKey) in rows.decode(
                (String, String?, Bool, String, Int, String?).self)
            {
                return StoredQuery(
                    state: StoredQuery.State(rawValue: state) ?? .expired, session: session, resumable: resumable,
                    owner: owner, eventCount: count, apiKey: apiKey)
            }
            return nil
        }
    }

    public func events(of id: QueryID, after seq: Int, limit: Int) async throws(StoreFailure) -> [StoredEvent] {
        let (client, logger) = (client, logger)
        return try await operation("events") {
            let rows = try await client.query(
                """
                SELECT seq, type, data FROM sift_events WHERE query_id = \(id.rawValue) AND seq > \(seq)
                ORDER BY seq LIMIT \(limit)
                """, logger: logger)
            var events: [StoredEvent] = []
            for try await (seq, type, data) in rows.decode((Int, String, String).self) {
                events.append(StoredEvent(seq: seq, type: type, json: data))
            }
            return events
        }
    }

    public func requestCancel(_ id: QueryID) async throws(StoreFailure) -> Bool {
        let (client, logger) = (client, logger)
        return try await operation("cancel") {
            let rows = try await client.query(
                """
                UPDATE sift_queries SET cancel_requested = true WHERE id = \(id.rawValue) AND state = 'running'
                RETURNING pg_notify('sift_cancel', id)::text
                """, logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    public func renew(_ ids: [QueryID]) async throws(StoreFailure) -> (cancel: [QueryID], lost: [QueryID]) {
        guard !ids.isEmpty else { return ([], []) }
        let (client, replica, lease, logger) = (client, replica, leaseSeconds, logger)
        let texts = ids.map(\.rawValue)
        return try await operation("renew") {
            let rows = try await client.query(
                """
                UPDATE sift_queries SET lease_until = now() + \(lease) * interval '1 second'
                WHERE id = ANY(\(texts)::text[]) AND owner = \(replica) AND state = 'running'
                RETURNING id, cancel_requested
                """, logger: logger)
            var renewed: Set<String> = []
            var cancel: [QueryID] = []
            for try await (id, cancelRequested) in rows.decode((String, Bool).self) {
                renewed.insert(id)
                if cancelRequested, let id = QueryID(id) { cancel.append(id) }
            }
            // A query that is not renewed has ended in the store: by its own done (a race with the
            // append that stored it, harmless), or by a takeover. Only the second matters to the caller,
            // which ends the local log only if it is still running.
            let lost = ids.filter { !renewed.contains($0.rawValue) }
            return (cancel, lost)
        }
    }

    public func takeOver(events: @escaping @Sendable (Double, String) -> (error: String, done: String)) async throws(StoreFailure)
        -> [TakenOverQuery]
    {
        let (client, replica, logger) = (client, replica, logger)
        // Which queries' leases ran out, cheaply and without locks; most passes find none.
        let candidates: [String] = try await operation("takeover") {
            let rows = try await client.query(
                "SELECT id FROM sift_queries WHERE state = 'running' AND lease_until < now() LIMIT 100", logger: logger)
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
        var taken: [TakenOverQuery] = []
        for id in candidates {
            let closing: (String, Double)? = try await operation("takeover") {
                try await client.withTransaction(logger: logger) { connection in
                    // The row lock makes this exactly once: a racing replica waits, then finds it ended.
                    let rows = try await connection.query(
                        """
                        UPDATE sift_queries AS q SET state = 'ended', ended_at = now(), owner = \(replica)
                        FROM (SELECT id, owner FROM sift_queries WHERE id = \(id) FOR UPDATE) AS old
                        WHERE q.id = old.id AND q.state = 'running' AND q.lease_until < now()
                        RETURNING old.owner, q.event_count, (extract(epoch FROM now() - q.created_at) * 1000)::float8
                        """, logger: logger)
                    var found: (String, Int, Double)?
                    for try await row in rows.decode((String, Int, Double).self) { found = row }
                    guard let (owner, count, elapsed) = found else { return nil }
                    let (error, done) = events(elapsed, owner)
                    _ = try await connection.query(
                        """
                        INSERT INTO sift_events (query_id, seq, type, data) VALUES
                            (\(id), \(count + 1), 'error', \(error)), (\(id), \(count + 2), 'done', \(done))
                        """, logger: logger
                    ).collect()
                    _ = try await connection.query(
                        """
                        UPDATE sift_queries SET event_count = \(count + 2), bytes = bytes + \(error.utf8.count + done.utf8.count)
                        WHERE id = \(id)
                        """, logger: logger
                    ).collect()
                    _ = try await connection.query("SELECT pg_notify('sift_events', \(id))::text", logger: logger).collect()
                    return (owner, elapsed)
                }
            }
            if let (owner, _) = closing, let queryID = QueryID(id) {
                taken.append(TakenOverQuery(id: queryID, previousOwner: owner))
            }
        }
        return taken
    }

    public func sweep(retention: Duration, maxQueries: Int, maxBytes: Int) async throws(StoreFailure) {
        let (client, logger) = (client, logger)
        let retentionSeconds = Double(retention.components.seconds)
        let sessionTTL = Double(sessionLimits.idleTimeout.components.seconds)
        let maxSessions = sessionLimits.maxSessions
        let remembered = max(4096, 2 * maxQueries)
        let rememberedSessions = max(4096, 2 * maxSessions)
        let cacheMaxBytes = self.cacheMaxBytes
        try await operation("sweep") {
            for statement: PostgresQuery in [
                // Queries: events go after retention, and beyond the count and byte bounds (oldest ended first).
                """
                WITH gone AS (
                    UPDATE sift_queries SET state = 'expired', bytes = 0
                    WHERE state = 'ended' AND (ended_at < now() - \(retentionSeconds) * interval '1 second'
                        OR id IN (SELECT id FROM sift_queries WHERE state = 'ended' ORDER BY ended_at DESC OFFSET \(maxQueries))
                        OR id IN (SELECT id FROM (SELECT id, sum(bytes) OVER (ORDER BY state = 'running' DESC, ended_at DESC NULLS FIRST) AS total
                                  FROM sift_queries WHERE state <> 'expired') AS s WHERE total > \(maxBytes)))
                    RETURNING id)
                DELETE FROM sift_events WHERE query_id IN (SELECT id FROM gone)
                """,
                // Expired ids are remembered (to say "expired", not "unknown") for a day, and in bounded number.
                """
                DELETE FROM sift_queries WHERE state = 'expired' AND (ended_at < now() - interval '1 day'
                    OR id IN (SELECT id FROM sift_queries WHERE state = 'expired' ORDER BY ended_at DESC OFFSET \(remembered)))
                """,
                // Sessions: idle ones expire, the least recently used beyond the bound are evicted.
                """
                UPDATE sift_sessions SET state = 'expired', turns = '[]'::jsonb
                WHERE state = 'live' AND last_used < now() - \(sessionTTL) * interval '1 second'
                """,
                """
                UPDATE sift_sessions SET state = 'evicted', turns = '[]'::jsonb
                WHERE id IN (SELECT id FROM sift_sessions WHERE state = 'live' ORDER BY last_used DESC OFFSET \(maxSessions))
                """,
                """
                DELETE FROM sift_sessions WHERE state <> 'live' AND (last_used < now() - interval '1 day'
                    OR id IN (SELECT id FROM sift_sessions WHERE state <> 'live' ORDER BY last_used DESC OFFSET \(rememberedSessions)))
                """,
                // The cache: expired entries, then the oldest beyond the byte cap.
                "DELETE FROM sift_cache WHERE expires_at < now()",
                """
                DELETE FROM sift_cache WHERE (namespace, key) IN (
                    SELECT namespace, key FROM (
                        SELECT namespace, key, sum(octet_length(body)) OVER (ORDER BY stored_at DESC) AS total FROM sift_cache
                    ) AS s WHERE total > \(cacheMaxBytes))
                """,
            ] {
                _ = try await client.query(statement, logger: logger).collect()
            }
        }
        let counts: [(String, Int)] = try await operation("count") {
            let rows = try await client.query(
                """
                SELECT 'queries', count(*) FROM sift_queries UNION ALL SELECT 'events', count(*) FROM sift_events
                UNION ALL SELECT 'sessions', count(*) FROM sift_sessions UNION ALL SELECT 'cache', count(*) FROM sift_cache
                """, logger: logger)
            var counts: [(String, Int)] = []
            for try await row in rows.decode((String, Int).self) { counts.append(row) }
            return counts
        }
        for (table, count) in counts { metrics?.recordRows(table, count: count) }
    }
}
