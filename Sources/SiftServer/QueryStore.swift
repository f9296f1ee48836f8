import NIOCore
import SiftCore

/// Keeps the logs of resumable queries: bounded in number and in bytes, and each
/// finished one only for a retention time after its `done`.
///
/// Running queries are never evicted; finished ones go when their retention ends (oldest
/// first), and when the number of queries would pass `maxQueries` or the bytes of all logs
/// `maxBytes`: then the oldest finished query of the owner (``QueryLog/owner``, who asked)
/// holding the most finished queries goes first, so that one client asking a lot evicts its
/// own queries before anyone else's (fair retention). A query that ended is remembered
/// (bounded) so that a late reader hears "expired" rather than "never existed".
/// A reader already attached to an evicted log keeps reading it to its `done`; the
/// memory goes when that reader does. Every operation is O(1) amortized.
final class QueryStore: Sendable {
    /// The bounds of the store.
    struct Limits: Sendable, Equatable {
        /// How long a finished query is kept after its `done`.
        var retention: Duration
        /// Queries kept at once, running and finished.
        var maxQueries: Int
        /// Bytes of events kept over all queries.
        var maxBytes: Int
        /// Bytes of events one query may record: 8 MiB, or `maxBytes` when that is less.
        var maxQueryBytes: Int

        init(retention: Duration = .seconds(300), maxQueries: Int = 1024, maxBytes: Int = 64 << 20, maxQueryBytes: Int? = nil) {
            self.retention = retention
            self.maxQueries = max(1, maxQueries)
            self.maxBytes = max(1, maxBytes)
            self.maxQueryBytes = min(maxQueryBytes ?? (8 << 20), self.maxBytes)
        }

        /// Ended ids remembered, to tell "expired" from "unknown": twice the queries, at least 4,096.
        var rememberedEndings: Int { max(4096, 2 * maxQueries) }
    }

    private struct Entry: Sendable {
        var log: QueryLog
        var bytes = 0
        var finished = false
    }

    private enum Ending: Sendable {
        case expired
        case evicted
    }

    private struct State: Sendable {
        var entries: [QueryID: Entry] = [:]
        /// Finished queries in the order they finished, with the time and owner; the head expires first.
        var finished = CircularBuffer<(id: QueryID, at: ServerClock.Instant, owner: String)>()
        /// Finished queries kept, by owner.
        var finishedByOwner: [String: Int] = [:]
        var bytes = 0
        var endings = RememberedEndings<QueryID, Ending>()
    }

    let limits: Limits
    /// The time retention is measured on.
    let clock: ServerClock
    private let metrics: SiftMetrics?
    private let state = LockedValue(State())

    init(limits: Limits = .init(), metrics: SiftMetrics? = nil, clock: ServerClock = .continuous) {
        self.limits = limits
        self.metrics = metrics
        self.clock = clock
    }

    /// Queries kept now, running and finished.
    var count: Int { withSweep { $0.entries.count } }
    /// Queries running now.
    var runningCount: Int { withSweep { $0.entries.count - $0.finished.count } }
    /// Bytes of events kept now.
    var bytes: Int { withSweep { $0.bytes } }
    /// The ids of the queries running now.
    var runningIDs: [QueryID] { state.withLock { state in state.entries.compactMap { $0.value.finished ? nil : $0.key } } }

    /// Adds a starting query, evicting the oldest finished ones to make room;
    /// `overloaded` when every query kept is still running.
    func admit(_ log: QueryLog) throws(QueryError) {
        let limits = self.limits
        let admitted = withSweep { state -> Bool in
            while state.entries.count >= limits.maxQueries, Self.evictOldest(&state, limits: limits) {}
            guard state.entries.count < limits.maxQueries else { return false }
            state.entries[log.id] = Entry(log: log)
            state.endings.forget(log.id)
            return true
        }
        if !admitted { throw QueryError.overloaded(limit: limits.maxQueries) }
    }

    /// The log of query `id`: `query_not_found` when this siftd never had it, `query_expired` when it is gone.
    func log(_ id: QueryID) throws(QueryError) -> QueryLog {
        let limits = self.limits
        let result: Result<QueryLog, QueryError> = withSweep { state in
            if let entry = state.entries[id] { return .success(entry.log) }
            if let ending = state.endings[id] {
                return .failure(.queryExpired(id.rawValue, detail: Self.describe(ending, limits: limits)))
            }
            return .failure(.queryNotFound(id.rawValue))
        }
        return try result.get()
    }

    /// Counts `bytes` more for query `id`, evicting the oldest finished queries while all logs
    /// would pass `maxBytes`; false (nothing counted) when they still would, unless `force`.
    func reserve(_ id: QueryID, bytes: Int, force: Bool) -> Bool {
        let limits = self.limits
        return withSweep { state in
            guard state.entries[id] != nil else { return true }
            while state.bytes + bytes > limits.maxBytes, Self.evictOldest(&state, limits: limits) {}
            guard force || state.bytes + bytes <= limits.maxBytes else { return false }
            state.entries[id]?.bytes += bytes
            state.bytes += bytes
            return true
        }
    }

    /// Marks query `id` finished: its retention starts now.
    func finished(_ id: QueryID) {
        let now = clock.now
        withSweep { state in
            guard let entry = state.entries[id], !entry.finished else { return }
            state.entries[id]?.finished = true
            state.finished.append((id, now, entry.log.owner))
            state.finishedByOwner[entry.log.owner, default: 0] += 1
        }
    }

    /// Forgets a query that never started.
    func remove(_ id: QueryID) {
        withSweep { state in
            guard let entry = state.entries.removeValue(forKey: id) else { return }
            state.bytes -= entry.bytes
            if entry.finished, let index = state.finished.firstIndex(where: { $0.id == id }) {
                Self.uncount(state.finished.remove(at: index).owner, in: &state)
            }
        }
    }

    /// Ends the finished queries whose retention is over.
    func sweep() { withSweep { _ in } }

    // MARK: Private

    /// Runs `body` on the state after ending expired queries, then publishes the gauges.
    @discardableResult
    private func withSweep<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        let now = clock.now
        let limits = self.limits
        let metrics = self.metrics
        return state.withLock { state in
            while let first = state.finished.first, first.at.duration(to: now) > limits.retention {
                state.finished.removeFirst()
                Self.uncount(first.owner, in: &state)
                Self.end(first.id, .expired, in: &state, limits: limits)
            }
            let result = body(&state)
            metrics?.recordResumableQueries(count: state.entries.count, bytes: state.bytes)
            return result
        }
    }

    /// Removes the oldest finished query of the owner with the most finished queries; false when every
    /// query is running. O(finished queries) in the worst case, for the search of that owner's oldest.
    private static func evictOldest(_ state: inout State, limits: Limits) -> Bool {
        guard let heaviest = state.finishedByOwner.max(by: { $0.value < $1.value })?.key,
            let index = state.finished.firstIndex(where: { $0.owner == heaviest })
        else { return false }
        let evicted = state.finished.remove(at: index)
        uncount(evicted.owner, in: &state)
        end(evicted.id, .evicted, in: &state, limits: limits)
        return true
    }

    private static func uncount(_ owner: String, in state: inout State) {
        let left = (state.finishedByOwner[owner] ?? 1) - 1
        state.finishedByOwner[owner] = left > 0 ? left : nil
    }

    private static func end(_ id: QueryID, _ ending: Ending, in state: inout State, limits: Limits) {
        guard let entry = state.entries.removeValue(forKey: id) else { return }
        state.bytes -= entry.bytes
        state.endings.remember(ending, for: id, capacity: limits.rememberedEndings)
    }

    private static func describe(_ ending: Ending, limits: Limits) -> String {
        switch ending {
        case .expired:
            "ended more than \(limits.retention.components.seconds) seconds ago"
        case .evicted:
            "was dropped to make room (Sift keeps \(limits.maxQueries) queries and \(limits.maxBytes >= 1 << 20 ? "\(limits.maxBytes >> 20) MiB" : "\(limits.maxBytes) bytes") of their events)"
        }
    }
}
