import PostgresNIO
import SiftServer
import Synchronization

/// The API keys, their daily spending and the owners of sessions (``KeyStoring``), shared by every replica.
///
/// - `sift_keys`: one row per key: name, the SHA-256 of the key (never the key), scopes, limits, last use.
/// - `sift_key_usage`: (key, UTC day) → upstream search requests and LLM tokens spent; each replica adds
///   what its queries spend in one statement and reads back the day's total.
/// - `sift_session_owners`: session → the key that first used it.
///
/// Adding or revoking a key notifies `sift_keys`, and each replica reads the key set again at once;
/// replicas also read it every 2 s (``KeyGate``), which covers a notification missed.
extension PostgresStore: KeyStoring {
    public func keys() async throws -> [APIKeyRecord] {
        let (client, logger) = (client, logger)
        return try await operation("keys") {
            let rows = try await client.query(
                """
                SELECT name, sha256, scopes, rpm, streams, daily_upstream, daily_tokens,
                    extract(epoch FROM created_at)::bigint, extract(epoch FROM last_used)::bigint
                FROM sift_keys ORDER BY name
                """, logger: logger)
            var records: [APIKeyRecord] = []
            for try await (name, hash, scopes, rpm, streams, upstream, tokens, created, lastUsed) in rows.decode(
                (String, String, String, Int?, Int?, Int?, Int?, Int64, Int64?).self)
            {
                let parsed = (try? APIScope.parseList(scopes).get()) ?? []
                records.append(
                    APIKeyRecord(
                        name: name, hash: hash, scopes: parsed,
                        limits: APIKeyLimits(requestsPerMinute: rpm, streams: streams, dailyUpstream: upstream, dailyTokens: tokens),
                        created: created, lastUsed: lastUsed))
            }
            return records
        }
    }

    public func add(_ record: APIKeyRecord) async throws {
        try APIKeys.validate(name: record.name)
        let (client, logger) = (client, logger)
        let scopes = record.scopes.map(\.rawValue).joined(separator: ",")
        let limits = record.limits
        let inserted: Bool = try await operation("key_add") {
            let rows = try await client.query(
                """
                INSERT INTO sift_keys (name, sha256, scopes, rpm, streams, daily_upstream, daily_tokens, created_at)
                VALUES (\(record.name), \(record.hash), \(scopes), \(limits.requestsPerMinute), \(limits.streams),
                    \(limits.dailyUpstream), \(limits.dailyTokens), to_timestamp(\(Double(record.created))))
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """, logger: logger
            ).collect()
            if !rows.isEmpty { _ = try await client.query("SELECT pg_notify('sift_keys', '')::text", logger: logger).collect() }
            return !rows.isEmpty
        }
        guard inserted else {
            throw APIKeyError("a key named “\(record.name)” exists; revoke it first or pick another name")
        }
    }

    public func revoke(_ name: String) async throws -> Bool {
        let (client, logger) = (client, logger)
        return try await operation("key_revoke") {
            let rows = try await client.query(
                """
                WITH gone AS (DELETE FROM sift_keys WHERE name = \(name) RETURNING 1)
                SELECT pg_notify('sift_keys', '')::text FROM gone
                """, logger: logger
            ).collect()
            return !rows.isEmpty
        }
    }

    public func recordUse(_ uses: [String: Int64]) async throws {
        guard !uses.isEmpty else { return }
        let (client, logger) = (client, logger)
        let names = Array(uses.keys)
        let times = names.map { Double(uses[$0] ?? 0) }
        try await operation("key_use") {
            _ = try await client.query(
                """
                UPDATE sift_keys k SET last_used = to_timestamp(u.t)
                FROM unnest(\(names)::text[], \(times)::float8[]) AS u(n, t)
                WHERE k.name = u.n AND (k.last_used IS NULL OR k.last_used < to_timestamp(u.t))
                """, logger: logger
            ).collect()
            // Owners of sessions that are gone (a day's grace for one being created).
            _ = try await client.query(
                """
                DELETE FROM sift_session_owners o WHERE o.claimed_at < now() - interval '1 day'
                    AND NOT EXISTS (SELECT 1 FROM sift_sessions s WHERE s.id = o.session)
                """, logger: logger
            ).collect()
        }
    }

    public func spend(key: String, day: Int, upstream: Int, tokens: Int) async throws -> KeyUsage {
        let (client, logger) = (client, logger)
        return try await operation("key_spend") {
            let rows = try await client.query(
                """
                INSERT INTO sift_key_usage (key_name, day, upstream, tokens) VALUES (\(key), \(day), \(upstream), \(tokens))
                ON CONFLICT (key_name, day) DO UPDATE
                    SET upstream = sift_key_usage.upstream + EXCLUDED.upstream, tokens = sift_key_usage.tokens + EXCLUDED.tokens
                RETURNING upstream, tokens
                """, logger: logger)
            for try await (spentUpstream, spentTokens) in rows.decode((Int, Int).self) {
                return KeyUsage(upstream: spentUpstream, tokens: spentTokens)
            }
            return KeyUsage(upstream: upstream, tokens: tokens)
        }
    }

    public func usage(day: Int) async throws -> [String: KeyUsage] {
        let (client, logger) = (client, logger)
        return try await operation("key_usage") {
            let rows = try await client.query(
                "SELECT key_name, upstream, tokens FROM sift_key_usage WHERE day = \(day)", logger: logger)
            var usage: [String: KeyUsage] = [:]
            for try await (name, upstream, tokens) in rows.decode((String, Int, Int).self) {
                usage[name] = KeyUsage(upstream: upstream, tokens: tokens)
            }
            return usage
        }
    }

    public func claimSession(_ session: String, key: String) async throws -> String {
        let (client, logger) = (client, logger)
        return try await operation("session_owner") {
            let rows = try await client.query(
                """
                WITH claimed AS (
                    INSERT INTO sift_session_owners (session, key_name) VALUES (\(session), \(key))
                    ON CONFLICT (session) DO NOTHING RETURNING key_name)
                SELECT key_name FROM claimed
                UNION ALL SELECT key_name FROM sift_session_owners WHERE session = \(session)
                LIMIT 1
                """, logger: logger)
            for try await owner in rows.decode(String.self) { return owner }
            return key
        }
    }

    /// The table is read again every few seconds, and when notified.
    public func version() -> String? { nil }

    public func changes() -> AsyncStream<Void>? {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let token = Int.random(in: 0..<Int.max)
        keyListeners.withLock { $0[token] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.keyListeners.withLock { $0.removeValue(forKey: token) }
        }
        return stream
    }

    func deliverKeyChange() {
        for continuation in keyListeners.withLock({ Array($0.values) }) { continuation.yield() }
    }
}
