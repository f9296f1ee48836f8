#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle
import SiftCore
import Synchronization

/// Whether requests need an API key (`SIFT_AUTH`).
public enum AuthMode: String, Sendable, Equatable, CaseIterable {
    case off
    case required
}

/// The API keys siftd accepts, and what each may still spend: its requests-a-minute bucket, its
/// running queries, and its daily budgets of upstream search requests and LLM tokens.
///
/// The key set comes from a ``KeyStoring``: the key file is checked for a change on every request (so
/// `siftd keys revoke` takes effect on the next one); PostgreSQL is read again when it notifies a change
/// (`sift_keys`) and every `refreshInterval`, which covers a missed notification. `SIGHUP` reloads too.
/// Budgets are counted when spent, here and in the store, which adds up every replica's spending.
public final class KeyGate: Service, Sendable {
    public let store: any KeyStoring
    let metrics: SiftMetrics?
    let logger: Logger
    let refreshInterval: Duration
    /// Unix seconds (with fractions); a parameter so tests can move time.
    let now: @Sendable () -> Double
    private let state = LockedValue(State())
    private let dirty = Atomic<Bool>(false)

    struct State: Sendable {
        var byHash: [String: APIKeyRecord] = [:]
        var names: Set<String> = []
        var version: String?
        var loaded = false
        var buckets: [String: TokenBucket] = [:]
        var streams: [String: Int] = [:]
        var day = 0
        var usage: [String: KeyUsage] = [:]
        var lastUse: [String: Int64] = [:]
    }

    public init(
        store: any KeyStoring, metrics: SiftMetrics?, logger: Logger, refreshInterval: Duration = .seconds(2),
        now: @escaping @Sendable () -> Double = KeyGate.unixTime
    ) {
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.refreshInterval = refreshInterval
        self.now = now
    }

    /// The current Unix time, in seconds.
    @Sendable public static func unixTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// How many keys are known.
    public var count: Int { state.withLock { $0.byHash.count } }
    /// The names of the keys known.
    public var names: [String] { state.withLock { $0.names.sorted() } }

    // MARK: The key set

    /// Reads the key set (and today's spending) from the store; throws when it cannot.
    public func load() async throws {
        let version = store.version()
        let records = try await store.keys()
        let today = UTCDay.day(of: now())
        let usage = try await store.usage(day: today)
        let (added, removed) = state.withLock { state -> ([String], [String]) in
            let old = state.names
            state.byHash = Dictionary(records.map { ($0.hash, $0) }, uniquingKeysWith: { first, _ in first })
            state.names = Set(records.map(\.name))
            state.version = version
            state.loaded = true
            for name in state.buckets.keys where !state.names.contains(name) { state.buckets.removeValue(forKey: name) }
            // Another replica's spending, or this one's from before a restart; never less than counted here.
            if state.day != today {
                state.day = today
                state.usage = [:]
            }
            for (name, stored) in usage {
                let local = state.usage[name] ?? KeyUsage()
                state.usage[name] = KeyUsage(upstream: max(local.upstream, stored.upstream), tokens: max(local.tokens, stored.tokens))
            }
            return (state.names.subtracting(old).sorted(), old.subtracting(state.names).sorted())
        }
        for name in added { metrics?.registerKey(name) }
        if !added.isEmpty || !removed.isEmpty {
            logger.notice(
                "API keys loaded", metadata: ["keys": "\(records.count)", "added": "\(added)", "removed": "\(removed)"])
        }
    }

    /// Reloads after `SIGHUP`; a failure is logged and the key set kept.
    public func reload() async {
        do {
            try await load()
        } catch {
            logger.error("API keys: cannot reload, keeping the ones loaded: \(error)")
        }
    }

    /// The key whose hash `token` has, reading the key set again first if the store says it changed.
    public func authenticate(_ token: String) async -> APIKeyRecord? {
        let current = store.version()
        if let current, current != state.withLock({ $0.version }) { await reload() }
        let hash = APIKeys.hash(token)
        return state.withLock { $0.byHash[hash] }
    }

    /// Remembers that `key` was used now (flushed to the store every few seconds) and counts the request.
    func recordUse(_ key: APIKeyRecord) {
        let time = Int64(now())
        state.withLock { $0.lastUse[key.name] = time }
        dirty.store(true, ordering: .relaxed)
        metrics?.recordKeyRequest(key.name)
    }

    /// Counts a refusal of `key`'s request (`unauthorized` has no key: its label is empty).
    func recordRejection(_ key: String, reason: String) {
        metrics?.recordKeyRejection(key, reason: reason)
    }

    // MARK: Limits

    /// Takes one request from `key`'s requests-a-minute bucket; `rate_limited` when it is empty.
    func takeRequest(_ key: APIKeyRecord) throws(QueryError) {
        guard let perMinute = key.limits.requestsPerMinute else { return }
        let time = now()
        let wait = state.withLock { state -> Int? in
            var bucket = state.buckets[key.name] ?? TokenBucket(perMinute: perMinute, now: time)
            let wait = bucket.take(perMinute: perMinute, now: time)
            state.buckets[key.name] = bucket
            return wait
        }
        if let wait {
            recordRejection(key.name, reason: "rate_limited")
            throw .rateLimited(key: key.name, perMinute: perMinute, retryAfter: wait)
        }
    }

    /// `budget_exhausted` when `key` spent a daily budget.
    func checkBudget(_ key: APIKeyRecord) throws(QueryError) {
        let time = now()
        let today = UTCDay.day(of: time)
        let usage = state.withLock { state -> KeyUsage in
            if state.day != today {
                state.day = today
                state.usage = [:]
            }
            return state.usage[key.name] ?? KeyUsage()
        }
        var spent: (String, Int)?
        if let limit = key.limits.dailyUpstream, usage.upstream >= limit {
            spent = ("upstream", limit)
        } else if let limit = key.limits.dailyTokens, usage.tokens >= limit {
            spent = ("tokens", limit)
        }
        guard let spent else { return }
        let (budget, limit) = spent
        recordRejection(key.name, reason: "budget_exhausted")
        throw .budgetExhausted(
            key: key.name, budget: budget, limit: limit, resetsAt: UTCDay.midnight(today + 1),
            retryAfter: UTCDay.secondsToMidnight(from: time))
    }

    /// One of `key`'s running queries, released once (whichever of the query's endings comes first).
    final class StreamHold: Sendable {
        private let released = Atomic<Bool>(false)
        private let release: @Sendable () -> Void

        init(release: @escaping @Sendable () -> Void) { self.release = release }

        func end() {
            if !released.exchange(true, ordering: .relaxed) { release() }
        }
    }

    /// Takes one of `key`'s concurrent queries; `too_many_streams` when it runs its limit.
    func acquireStream(_ key: APIKeyRecord) throws(QueryError) -> StreamHold {
        let limit = key.limits.streams
        let taken = state.withLock { state -> Bool in
            let running = state.streams[key.name] ?? 0
            if let limit, running >= limit { return false }
            state.streams[key.name] = running + 1
            return true
        }
        guard taken else {
            recordRejection(key.name, reason: "too_many_streams")
            throw .tooManyStreams(key: key.name, limit: limit ?? 0)
        }
        let name = key.name
        return StreamHold { [state] in
            state.withLock { state in
                let running = (state.streams[name] ?? 1) - 1
                if running > 0 { state.streams[name] = running } else { state.streams.removeValue(forKey: name) }
            }
        }
    }

    /// Queries `key` runs now.
    func runningStreams(_ name: String) -> Int { state.withLock { $0.streams[name] ?? 0 } }

    /// Today's spending of `name` as counted here.
    public func usage(_ name: String) -> KeyUsage {
        let today = UTCDay.day(of: now())
        return state.withLock { $0.day == today ? $0.usage[name] ?? KeyUsage() : KeyUsage() }
    }

    /// Counts spending by `key`, here at once and in the store (which adds up every replica's).
    func spend(_ name: String, upstream: Int = 0, tokens: Int = 0) {
        let today = UTCDay.day(of: now())
        state.withLock { state in
            if state.day != today {
                state.day = today
                state.usage = [:]
            }
            var usage = state.usage[name] ?? KeyUsage()
            usage.upstream += upstream
            usage.tokens += tokens
            state.usage[name] = usage
        }
        dirty.store(true, ordering: .relaxed)
        if upstream > 0 { metrics?.recordKeyUpstream(name, count: upstream) }
        if tokens > 0 { metrics?.recordKeyTokens(name, count: tokens) }
        let (store, logger) = (store, logger)
        Task { [state] in
            do {
                let totals = try await store.spend(key: name, day: today, upstream: upstream, tokens: tokens)
                state.withLock { state in
                    guard state.day == today else { return }
                    let local = state.usage[name] ?? KeyUsage()
                    state.usage[name] = KeyUsage(
                        upstream: max(local.upstream, totals.upstream), tokens: max(local.tokens, totals.tokens))
                }
            } catch {
                logger.warning("API keys: cannot record spending in the store: \(error)", metadata: ["key": "\(name)"])
            }
        }
    }

    /// The meter a query asked with `key` reports its spending to.
    func meter(for key: APIKeyRecord) -> any SpendingMeter { KeyMeter(gate: self, name: key.name) }

    /// Checks that `key` may continue `session`: a session belongs to the key that first used it;
    /// another key hears `session_not_found`, as for an unknown id, so ids are not confirmed. `admin` may continue any.
    func claimSession(_ session: String, by key: APIKeyRecord) async throws(QueryError) {
        if key.allows(.admin) { return }
        let owner: String
        do {
            owner = try await store.claimSession(session, key: key.name)
        } catch {
            throw .storeUnavailable("cannot check the session's key: \(error)")
        }
        if owner != key.name {
            recordRejection(key.name, reason: "not_owner")
            throw .sessionNotFound(session)
        }
    }

    // MARK: Service

    /// Writes last use (and, for the key file, spending) every few seconds, and with PostgreSQL reads
    /// the key set and today's spending again, so other replicas' changes arrive.
    public func run() async throws {
        let changes = store.changes()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let changes {
                    group.addTask {
                        for await _ in changes { await self.reload() }
                    }
                }
                while (try? await Task.sleep(for: self.refreshInterval)) != nil {
                    await self.tick()
                }
                group.cancelAll()
            }
        }
        await flush()
    }

    func tick() async {
        await flush()
        if store.version() == nil { await reload() }
    }

    func flush() async {
        guard dirty.exchange(false, ordering: .relaxed) else { return }
        let uses = state.withLock { state -> [String: Int64] in
            defer { state.lastUse = [:] }
            return state.lastUse
        }
        do {
            try await store.recordUse(uses)
        } catch {
            logger.warning("API keys: cannot record last use: \(error)")
        }
    }
}

/// Reports a query's spending to its key's budgets.
struct KeyMeter: SpendingMeter {
    let gate: KeyGate
    let name: String

    func upstreamRequest(provider: String) { gate.spend(name, upstream: 1) }
    func tokens(_ count: Int) { gate.spend(name, tokens: count) }
}
