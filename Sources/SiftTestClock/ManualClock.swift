import Synchronization

/// A clock that only moves when a test calls `advance(to:)`, and tells the test when
/// somebody sleeps on it, so tests drive deadlines and heartbeats without sleeping.
/// Shared by the test targets (a library target, since test targets cannot import each other).
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: self.offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - self.offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        var cancelledIDs: Set<Int> = []
        var sleeperWaiters: [CheckedContinuation<Instant, Never>] = []
        var deadlineWaiters: [CheckedContinuation<[Instant], Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Instant { self.state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = self.state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let waiters: [CheckedContinuation<Instant, Never>] = self.state.withLock { state in
                    if state.cancelledIDs.remove(id) != nil {
                        continuation.resume(throwing: CancellationError())
                        return []
                    }
                    if deadline <= state.now {
                        continuation.resume()
                        return []
                    }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let deadlines = state.sleepers.map(\.deadline)
                    for waiter in state.deadlineWaiters { waiter.resume(returning: deadlines) }
                    state.deadlineWaiters = []
                    defer { state.sleeperWaiters = [] }
                    return state.sleeperWaiters
                }
                for waiter in waiters { waiter.resume(returning: deadline) }
            }
        } onCancel: {
            self.state.withLock { state in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    state.sleepers.remove(at: index).continuation.resume(throwing: CancellationError())
                } else {
                    state.cancelledIDs.insert(id)
                }
            }
        }
    }

    /// Waits until some task sleeps on this clock; returns the earliest pending deadline.
    public func nextSleeper() async -> Instant {
        await withCheckedContinuation { (continuation: CheckedContinuation<Instant, Never>) in
            self.state.withLock { state in
                if let earliest = state.sleepers.map(\.deadline).min() {
                    continuation.resume(returning: earliest)
                } else {
                    state.sleeperWaiters.append(continuation)
                }
            }
        }
    }

    /// Waits until some task sleeps until exactly `deadline` (a pipeline's deadline, say).
    public func sleeper(until deadline: Instant) async {
        while true {
            let earliest = await withCheckedContinuation { (continuation: CheckedContinuation<[Instant], Never>) in
                self.state.withLock { state in
                    let deadlines = state.sleepers.map(\.deadline)
                    if deadlines.contains(deadline) {
                        continuation.resume(returning: deadlines)
                    } else {
                        state.deadlineWaiters.append(continuation)
                    }
                }
            }
            if earliest.contains(deadline) { return }
        }
    }

    /// Moves time to `instant` and wakes every sleeper whose deadline has come.
    public func advance(to instant: Instant) {
        self.state.withLock { state in
            if instant > state.now { state.now = instant }
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            for sleeper in due { sleeper.continuation.resume() }
        }
    }

    /// Moves time forward by `duration`.
    public func advance(by duration: Duration) {
        self.advance(to: self.now.advanced(by: duration))
    }
}
