import CSQLite

/// One SQLite connection. Not thread-safe: confine it to one thread or task at a time,
/// or keep it behind a lock (see ``KnowledgeBase``).
public final class SQLiteConnection {
    /// How a connection opens its file.
    public enum Mode: Sendable {
        /// Read-only; the file must exist.
        case readOnly
        /// Read and write, creating the file when missing.
        case readWriteCreate
    }

    private var handle: OpaquePointer?
    /// The path the connection was opened on.
    public let path: String

    /// Opens `path`. The connection runs in SQLite's multi-thread mode (no per-call mutex):
    /// the caller guarantees one user at a time.
    public init(path: String, mode: Mode) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(code: rc, handle: db, context: "open \(path)")
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_busy_timeout(db, 2000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Whether the connection is still open.
    public var isOpen: Bool { handle != nil }

    /// Closes the connection; later calls throw. Statements must be finalized first.
    public func close() {
        sqlite3_close_v2(handle)
        handle = nil
    }

    func requireHandle(_ context: String) throws(SQLiteError) -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the connection is closed", context: context)
        }
        return handle
    }

    /// Runs one or more statements that return no rows (DDL, pragmas, `BEGIN`).
    public func execute(_ sql: String) throws(SQLiteError) {
        let db = try requireHandle(sql)
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, context: sql)
        }
    }

    /// Compiles `sql` into a statement bound to this connection.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let db = try requireHandle(sql)
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, handle: db, context: sql)
        }
        return SQLiteStatement(handle: statement, connection: self, sql: sql)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The first column of the first row of `sql`, as an integer (a pragma, a count).
    public func scalarInt(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// The first column of the first row of `sql`, as text.
    public func scalarText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    /// The rowid of the last successful insert on this connection.
    public var lastInsertRowID: Int64 {
        handle.map { sqlite3_last_insert_rowid($0) } ?? 0
    }

    /// Settings for a one-off bulk build into a fresh file: WAL-free, unsynchronized,
    /// large pages and cache, temporary data in memory. A crash may corrupt the file,
    /// which is why builds write to a temporary file and rename it into place.
    public func configureForBulkLoad() throws(SQLiteError) {
        try execute(
            """
            PRAGMA page_size = 8192;
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -131072;
            PRAGMA locking_mode = EXCLUSIVE;
            """)
    }

    /// Settings for readers of a finished index: no memory map and a bounded cache
    /// (8 MiB a connection), so the daemon's resident memory stays bounded however
    /// much of the index queries touch; the kernel's page cache serves the rest.
    public func configureForReading() throws(SQLiteError) {
        try execute(
            """
            PRAGMA mmap_size = 0;
            PRAGMA cache_size = -8192;
            PRAGMA temp_store = MEMORY;
            """)
    }

    /// Settings for a long-lived read-write store: WAL, normal sync.
    public func configureForWAL() throws(SQLiteError) {
        try execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA temp_store = MEMORY;
            """)
    }
}
