import NIOCore
import PostgresNIO
import SiftProviders
import SiftServer

/// The search and page cache (`ResponseCaching`) in `sift_cache`, so that what one replica fetched
/// is a hit on every other. Entries live for their TTL; the sweep keeps the table under the
/// cache's byte cap (`SIFT_CACHE_MAX_MB`), the oldest going first. Like the SQLite cache, a
/// failure is a miss and never fails a query.
extension PostgresStore: ResponseCaching {
    public func get(_ key: String, namespace: String) async -> ResponseCache.Entry? {
        let (client, logger) = (client, logger)
        let entry: ResponseCache.Entry? =
            try? await operation("cache_read") {
                let rows = try await client.query(
                    """
                    SELECT meta, body, extract(epoch FROM stored_at)::bigint FROM sift_cache
                    WHERE namespace = \(namespace) AND key = \(key) AND expires_at > now()
                    """, logger: logger)
                for try await (meta, body, stored) in rows.decode((String, ByteBuffer, Int64).self) {
                    return ResponseCache.Entry(meta: meta, body: Array(body.readableBytesView), storedAt: stored)
                }
                return nil
            }
        cacheObserver?.cacheLookup(namespace: namespace, hit: entry != nil)
        return entry
    }

    public func put(_ key: String, namespace: String, meta: String, body: [UInt8], ttl: Duration) async {
        guard body.count <= cacheMaxBytes else { return }
        let (client, logger) = (client, logger)
        let seconds = Double(max(1, ttl.components.seconds))
        let buffer = ByteBuffer(bytes: body)
        do {
            try await operation("cache_write") {
                _ = try await client.query(
                    """
                    INSERT INTO sift_cache (namespace, key, meta, body, stored_at, expires_at)
                    VALUES (\(namespace), \(key), \(meta), \(buffer), now(), now() + \(seconds) * interval '1 second')
                    ON CONFLICT (namespace, key) DO UPDATE SET meta = EXCLUDED.meta, body = EXCLUDED.body,
                        stored_at = EXCLUDED.stored_at, expires_at = EXCLUDED.expires_at
                    """, logger: logger
                ).collect()
            }
        } catch {
            logger.warning("cache write failed", metadata: ["error": "\(error)"])
        }
    }
}
