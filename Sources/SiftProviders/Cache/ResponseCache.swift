import Glibc
import Logging
import Synchronization

/// Counts cache lookups; the server's metrics implement it.
public protocol CacheObserver: Sendable {
    /// A lookup in `namespace` (`search`, `page`) found a fresh entry (`hit`) or not.
    func cacheLookup(namespace: String, hit: Bool)
}

/// Where provider responses and fetched pages are cached: ``ResponseCache`` (SQLite in the
/// cache directory, the default) or a shared store (PostgreSQL, so that every replica hits
/// what one of them fetched). A cache never fails a query: an error is a miss.
public protocol ResponseCaching: Sendable {
    /// The fresh entry stored under `key` in `namespace`, or nil.
    func get(_ key: String, namespace: String) async -> ResponseCache.Entry?
    /// Stores `body` under `key` in `namespace` for `ttl`, keeping the cache under its cap.
    func put(_ key: String, namespace: String, meta: String, body: [UInt8], ttl: Duration) async
}

extension ResponseCache: ResponseCaching {}

/// Provider responses and fetched pages, kept in SQLite in the cache directory so
/// that a repeated query makes no upstream call.
///
/// Entries live for a time-to-live given when they are stored; the file is kept
/// under a size cap by evicting the oldest entries. All calls are synchronous and
/// short (one indexed row); one connection serves everyone, behind a lock. A cache
/// that cannot be written logs once and behaves as a miss: it never fails a query.
public final class ResponseCache: Sendable {
    /// One cached response.
    public struct Entry: Sendable, Equatable {
        /// Small text the owner needs with the body (a content type, a final URL).
        public var meta: String
        public var body: [UInt8]
        /// When it was stored, in seconds since the epoch.
        public var storedAt: Int64

        public init(meta: String, body: [UInt8], storedAt: Int64) {
            self.meta = meta
            self.body = body
            self.storedAt = storedAt
        }
    }

    /// Where the cache file lives and how much it may hold.
    public struct Configuration: Sendable {
        /// The cache directory (`SIFT_CACHE_DIR`); the file is `responses.sqlite` in it.
        public var directory: String
        /// The most bytes of bodies kept; the oldest entries go first.
        public var maxBytes: Int
        /// Seconds since the epoch; tests move it.
        public var now: @Sendable () -> Int64

        public init(directory: String, maxBytes: Int = 256 << 20, now: @escaping @Sendable () -> Int64 = wallClockSeconds) {
            self.directory = directory
            self.maxBytes = maxBytes
            self.now = now
        }
    }

    public let configuration: Configuration
    private let observer: (any CacheObserver)?
    private let logger: Logger
    private let store: Mutex<Store>

    /// Opens (or creates) the cache file in `configuration.directory`.
    public init(configuration: Configuration, observer: (any CacheObserver)? = nil, logger: Logger) throws {
        try FileSystem.makeDirectories(configuration.directory)
        self.configuration = configuration
        self.observer = observer
        self.logger = logger
        self.store = Mutex(try Store(path: configuration.directory + "/responses.sqlite"))
    }

    /// The fresh entry stored under `key` in `namespace`, or nil.
    public func get(_ key: String, namespace: String) -> Entry? {
        let now = configuration.now()
        let entry: Entry?
        do {
            entry = try store.withLock { store throws(SQLiteError) in try store.get(namespace: namespace, key: key, now: now) }
        } catch {
            logger.warning("cache read failed", metadata: ["error": "\(error)"])
            entry = nil
        }
        observer?.cacheLookup(namespace: namespace, hit: entry != nil)
        return entry
    }

    /// Stores `body` under `key` in `namespace` for `ttl` seconds, then trims the cache to its cap.
    public func put(_ key: String, namespace: String, meta: String = "", body: [UInt8], ttl: Duration) {
        guard body.count <= configuration.maxBytes else { return }
        let now = configuration.now()
        let expires = now + max(1, ttl.components.seconds)
        let cap = configuration.maxBytes
        do {
            try store.withLock { store throws(SQLiteError) in
                try store.put(namespace: namespace, key: key, meta: meta, body: body, now: now, expires: expires)
                try store.trim(toBytes: cap, now: now)
            }
        } catch {
            logger.warning("cache write failed", metadata: ["error": "\(error)"])
        }
    }

    /// Bytes of bodies stored now, and the number of entries.
    public var usage: (bytes: Int, entries: Int) {
        store.withLock { ($0.bytes, $0.entries) }
    }
}

/// Seconds since the epoch from the real-time clock.
@Sendable public func wallClockSeconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec)
}

/// The connection and its statements; only touched under the cache's lock.
private final class Store {
    let connection: SQLiteConnection
    let select: SQLiteStatement
    let insert: SQLiteStatement
    let oldest: SQLiteStatement
    let remove: SQLiteStatement
    let size: SQLiteStatement
    var bytes: Int
    var entries: Int

    init(path: String) throws(SQLiteError) {
        connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.configureForWAL()
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS entries (
                namespace TEXT NOT NULL,
                key TEXT NOT NULL,
                stored_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                size INTEGER NOT NULL,
                meta TEXT NOT NULL,
                body BLOB NOT NULL,
                PRIMARY KEY (namespace, key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS entries_stored_at ON entries(stored_at);
            """)
        select = try connection.prepare(
            "SELECT meta, body, stored_at FROM entries WHERE namespace = ?1 AND key = ?2 AND expires_at > ?3")
        insert = try connection.prepare(
            """
            INSERT INTO entries(namespace, key, stored_at, expires_at, size, meta, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT(namespace, key) DO UPDATE SET stored_at = excluded.stored_at, expires_at = excluded.expires_at,
                size = excluded.size, meta = excluded.meta, body = excluded.body
            """)
        oldest = try connection.prepare(
            "SELECT namespace, key, size FROM entries ORDER BY expires_at <= ?1 DESC, stored_at LIMIT 64")
        remove = try connection.prepare("DELETE FROM entries WHERE namespace = ?1 AND key = ?2")
        size = try connection.prepare("SELECT size FROM entries WHERE namespace = ?1 AND key = ?2")
        bytes = Int(try connection.scalarInt("SELECT coalesce(sum(size), 0) FROM entries") ?? 0)
        entries = Int(try connection.scalarInt("SELECT count(*) FROM entries") ?? 0)
    }

    func get(namespace: String, key: String, now: Int64) throws(SQLiteError) -> ResponseCache.Entry? {
        defer { select.reset() }
        try select.bind(namespace, at: 1)
        try select.bind(key, at: 2)
        try select.bind(now, at: 3)
        guard try select.step() else { return nil }
        return ResponseCache.Entry(meta: select.text(0), body: select.blob(1), storedAt: select.int64(2))
    }

    func put(
        namespace: String, key: String, meta: String, body: [UInt8], now: Int64, expires: Int64
    ) throws(SQLiteError) {
        let previous = try sizeOf(namespace: namespace, key: key)
        try insert.bind(namespace, at: 1)
        try insert.bind(key, at: 2)
        try insert.bind(now, at: 3)
        try insert.bind(expires, at: 4)
        try insert.bind(body.count, at: 5)
        try insert.bind(meta, at: 6)
        try insert.bind(body, at: 7)
        try insert.run()
        bytes += body.count - (previous ?? 0)
        if previous == nil { entries += 1 }
    }

    /// Evicts expired entries first, then the oldest, until at most 90 % of `cap` is used.
    func trim(toBytes cap: Int, now: Int64) throws(SQLiteError) {
        guard bytes > cap else { return }
        let target = cap / 10 * 9
        while bytes > target {
            var victims: [(String, String, Int)] = []
            defer { oldest.reset() }
            try oldest.bind(now, at: 1)
            while try oldest.step() {
                victims.append((oldest.text(0), oldest.text(1), oldest.int(2)))
            }
            oldest.reset()
            guard !victims.isEmpty else { break }
            for (namespace, key, size) in victims where bytes > target {
                try remove.bind(namespace, at: 1)
                try remove.bind(key, at: 2)
                try remove.run()
                bytes -= size
                entries -= 1
            }
        }
    }

    private func sizeOf(namespace: String, key: String) throws(SQLiteError) -> Int? {
        defer { size.reset() }
        try size.bind(namespace, at: 1)
        try size.bind(key, at: 2)
        return try size.step() ? size.int(0) : nil
    }
}
