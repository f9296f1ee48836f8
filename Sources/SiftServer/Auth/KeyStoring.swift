#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// What one key spent on one UTC day.
public struct KeyUsage: Sendable, Equatable, Codable {
    public var upstream: Int
    public var tokens: Int

    public init(upstream: Int = 0, tokens: Int = 0) {
        self.upstream = upstream
        self.tokens = tokens
    }
}

/// Where the keys live: a file in the state directory (``KeyFile``), or PostgreSQL when
/// `SIFT_DATABASE_URL` is set (SiftPostgres), so every replica knows them and shares their budgets.
public protocol KeyStoring: Sendable {
    /// Every key, revoked ones gone.
    func keys() async throws -> [APIKeyRecord]
    /// Adds a key; fails when the name is taken.
    func add(_ record: APIKeyRecord) async throws
    /// Removes the key named `name`; false when there is none.
    func revoke(_ name: String) async throws -> Bool
    /// Records when keys were last used (Unix seconds, by name).
    func recordUse(_ uses: [String: Int64]) async throws
    /// Adds spending to `key`'s usage on UTC day `day` (days since 1970-01-01); returns the day's totals.
    func spend(key: String, day: Int, upstream: Int, tokens: Int) async throws -> KeyUsage
    /// Every key's usage on UTC day `day`.
    func usage(day: Int) async throws -> [String: KeyUsage]
    /// The key that owns `session`: `key` when the session had no owner yet (it now does), else the owner.
    func claimSession(_ session: String, key: String) async throws -> String
    /// A token that changes whenever the key set may have changed (cheap to ask each request), or nil
    /// when only ``keys()`` can tell.
    func version() -> String?
    /// Wakes whenever the key set changed elsewhere (another process or replica), when the store can tell.
    func changes() -> AsyncStream<Void>?
}

extension KeyStoring {
    public func changes() -> AsyncStream<Void>? { nil }
}

/// The keys in the state directory: `api-keys.json` (mode 0600, replaced atomically), written by
/// `siftd keys`; `api-keys-activity.json` beside it, written by siftd: last use, and today's spending,
/// so a restart does not refill a budget. Sessions live in one process with this backend, so their
/// owners are kept in memory.
public final class KeyFile: KeyStoring, Sendable {
    public let path: String
    let activityPath: String
    private let activity: LockedValue<Activity>
    private let sessionOwners = LockedValue<SessionOwners>(SessionOwners())

    struct Activity: Codable, Sendable {
        var lastUsed: [String: Int64] = [:]
        var day = 0
        var usage: [String: KeyUsage] = [:]

        enum CodingKeys: String, CodingKey {
            case lastUsed = "last_used"
            case day, usage
        }
    }

    struct Document: Codable {
        var keys: [APIKeyRecord]
    }

    /// Owners of the sessions this process has seen; bounded, the oldest forgotten first.
    struct SessionOwners: Sendable {
        var owners: [String: String] = [:]
        var order: [String] = []
        static let limit = 100_000
    }

    public init(stateDirectory: String) {
        let activityPath = stateDirectory + "/api-keys-activity.json"
        self.path = stateDirectory + "/api-keys.json"
        self.activityPath = activityPath
        let loaded = (try? Self.readBytes(activityPath)).flatMap { try? JSONDecoder().decode(Activity.self, from: Data($0)) }
        self.activity = LockedValue(loaded ?? Activity())
    }

    public func keys() async throws -> [APIKeyRecord] {
        var keys = try readKeys()
        let used = activity.withLock { $0.lastUsed }
        for index in keys.indices {
            if let time = used[keys[index].name] { keys[index].lastUsed = max(keys[index].lastUsed ?? 0, time) }
        }
        return keys
    }

    func readKeys() throws -> [APIKeyRecord] {
        guard let bytes = try Self.readBytes(path) else { return [] }
        do {
            return try JSONDecoder().decode(Document.self, from: Data(bytes)).keys
        } catch {
            throw APIKeyError("\(path) is not a key file siftd wrote (\(error)); fix or remove it")
        }
    }

    public func add(_ record: APIKeyRecord) async throws {
        try APIKeys.validate(name: record.name)
        try withFileLock {
            var keys = try readKeys()
            guard !keys.contains(where: { $0.name == record.name }) else {
                throw APIKeyError("a key named “\(record.name)” exists; revoke it first or pick another name")
            }
            keys.append(record)
            try write(keys)
        }
    }

    public func revoke(_ name: String) async throws -> Bool {
        try withFileLock {
            var keys = try readKeys()
            guard let index = keys.firstIndex(where: { $0.name == name }) else { return false }
            keys.remove(at: index)
            try write(keys)
            return true
        }
    }

    public func recordUse(_ uses: [String: Int64]) async throws {
        let snapshot = activity.withLock { state in
            for (name, time) in uses { state.lastUsed[name] = max(state.lastUsed[name] ?? 0, time) }
            return state
        }
        try Self.writeAtomically(activityPath, bytes: Array(try JSONEncoder().encode(snapshot)))
    }

    public func spend(key: String, day: Int, upstream: Int, tokens: Int) async throws -> KeyUsage {
        activity.withLock { state in
            // Spending reported late for a day already over counts toward nothing any more.
            if day < state.day { return KeyUsage(upstream: upstream, tokens: tokens) }
            if state.day != day {
                state.day = day
                state.usage = [:]
            }
            var usage = state.usage[key] ?? KeyUsage()
            usage.upstream += upstream
            usage.tokens += tokens
            state.usage[key] = usage
            return usage
        }
    }

    public func usage(day: Int) async throws -> [String: KeyUsage] {
        activity.withLock { $0.day == day ? $0.usage : [:] }
    }

    public func claimSession(_ session: String, key: String) async throws -> String {
        sessionOwners.withLock { state in
            if let owner = state.owners[session] { return owner }
            state.owners[session] = key
            state.order.append(session)
            if state.order.count > SessionOwners.limit {
                let dropped = state.order.prefix(state.order.count - SessionOwners.limit)
                for session in dropped { state.owners.removeValue(forKey: session) }
                state.order.removeFirst(dropped.count)
            }
            return key
        }
    }

    public func version() -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "absent" }
        return "\(info.st_ino):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec):\(info.st_size)"
    }

    // MARK: Files

    private func write(_ keys: [APIKeyRecord]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.writeAtomically(path, bytes: Array(try encoder.encode(Document(keys: keys))) + [0x0a])
    }

    /// Holds an exclusive `flock` on `api-keys.json.lock` around `body`, so two `siftd keys` commands
    /// do not lose each other's change.
    private func withFileLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw APIKeyError("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        var directory = stat()
        if geteuid() == 0, stat(Self.parentDirectory(of: path), &directory) == 0, directory.st_uid != 0 {
            _ = fchown(fd, directory.st_uid, directory.st_gid)
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The file's bytes, or nil when it does not exist.
    static func readBytes(_ path: String) throws -> [UInt8]? {
        do {
            return Array(try TextFile.read(path).utf8)
        } catch {
            if error.code == ENOENT { return nil }
            throw APIKeyError("cannot read \(path): \(error.message)")
        }
    }

    /// Writes `bytes` to a new file beside `path` (mode 0600), syncs it, and renames it over `path`.
    static func writeAtomically(_ path: String, bytes: [UInt8]) throws {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw APIKeyError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw APIKeyError("cannot write \(temporary): \(message)")
            }
            written += count
        }
        fchmod(fd, 0o600)
        // root running `siftd keys` for a service whose state directory belongs to its (dynamic) user:
        // the file must stay readable by that user.
        var directory = stat()
        if geteuid() == 0, stat(parentDirectory(of: path), &directory) == 0, directory.st_uid != 0 {
            _ = fchown(fd, directory.st_uid, directory.st_gid)
        }
        guard fsync(fd) == 0, close(fd) == 0, rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw APIKeyError("cannot replace \(path): \(message)")
        }
    }
}
