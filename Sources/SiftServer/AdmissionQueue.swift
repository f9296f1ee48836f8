import SiftCore
import Synchronization

/// The CPU queue of the query machine (`SIFT_QUERY_CONCURRENCY`, `SIFT_QUERY_QUEUE`).
///
/// At most `concurrency` queries compute at once (by default one per core); the others wait,
/// suspended, first in first out within their priority: a query back from the network (its web
/// search, its page reads) goes before a new one, so work already started finishes first. Queries
/// waiting on the network hold no slot (``Admission``), so web queries are not held to the core count.
///
/// A query is admitted (``admit()``) before its response head is written, and refused with
/// `503 overloaded` and a `Retry-After` once `queueLimit` queries are already waiting for a slot,
/// so that latency stays bounded instead of growing with the load. Its first `status` is written
/// before it waits, so a client sees at once that it was heard.
public final class AdmissionQueue: Sendable {
    /// One query's place: taken at admission, handed to the pipeline as ``Admission/ticket``,
    /// and ended (``finish()``) when the query ends, whatever happened in between.
    public final class Ticket: AdmissionTicket {
        let queue: AdmissionQueue
        let number: Int

        init(queue: AdmissionQueue, number: Int) {
            self.queue = queue
            self.number = number
        }

        public func enter(resuming: Bool) async throws { try await queue.enter(number, resuming: resuming) }
        public func leave() { queue.leave(number) }
        /// Gives back whatever the query still holds: its reservation, its slot, its place in line.
        public func finish() { queue.finish(number) }
    }

    /// Where a ticket stands.
    private enum Place {
        /// Admitted; it has not asked for a slot yet, and counts as waiting.
        case reserved
        /// Waiting for a slot (in ``State/resuming`` or ``State/new``); its continuation once its task has suspended.
        case waiting(continuation: CheckedContinuation<Void, any Error>?)
        /// Holding a slot since `since`.
        case holding(since: ContinuousClock.Instant)
        /// Out of the slot, waiting on the network.
        case outside
    }

    private struct State {
        var places: [Int: Place] = [:]
        /// Ticket numbers waiting, in order, for each priority.
        var resuming: [Int] = []
        var new: [Int] = []
        var reserved = 0
        var running = 0
        var nextNumber = 0
        /// How long each ticket has held a slot so far (a web query holds one twice).
        var held: [Int: Duration] = [:]
        /// A moving average of how long a query holds a slot in all, for `Retry-After`.
        var meanHold: Duration = .milliseconds(5)

        var waiting: Int { reserved + resuming.count + new.count }
    }

    /// Queries computing at once.
    public let concurrency: Int
    /// Queries waiting for a slot (admitted, not yet computing) beyond which new ones are refused.
    public let queueLimit: Int
    private let state = Mutex(State())
    private let metrics: SiftMetrics?
    private let clock = ContinuousClock()

    public init(concurrency: Int, queueLimit: Int, metrics: SiftMetrics?) {
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(1, queueLimit)
        self.metrics = metrics
        metrics?.recordAdmissionLimits(concurrency: self.concurrency, queue: self.queueLimit)
    }

    /// Queries computing now.
    public var running: Int { state.withLock { $0.running } }
    /// Queries admitted and waiting for a slot now.
    public var waiting: Int { state.withLock { $0.waiting } }
    /// Queries that asked for a slot and wait in line for it now (``waiting`` less those that have not asked yet).
    var inLine: Int { state.withLock { $0.resuming.count + $0.new.count } }

    /// Admits a query into the queue, or refuses it (`overloaded`, with the seconds to wait) when
    /// `queueLimit` queries are already waiting.
    public func admit() throws(QueryError) -> Ticket {
        let admitted: Result<Int, QueryError> = state.withLock { state in
            if let refusal = refusal(state) { return .failure(refusal) }
            state.nextNumber += 1
            state.places[state.nextNumber] = .reserved
            state.reserved += 1
            return .success(state.nextNumber)
        }
        switch admitted {
        case .success(let number):
            publish()
            return Ticket(queue: self, number: number)
        case .failure(let error):
            metrics?.recordAdmissionRefused()
            throw error
        }
    }

    /// Refuses (`overloaded`) when the queue is full, as ``admit()`` would, without taking a place:
    /// the handlers' early check, made before a question is analyzed.
    public func checkRoom() throws(QueryError) {
        if let refusal = state.withLock({ refusal($0) }) {
            metrics?.recordAdmissionRefused()
            throw refusal
        }
    }

    /// `overloaded` when `queueLimit` queries already wait, with the seconds the line ahead should take:
    /// its length over the slots, at the recent pace of a slot.
    private func refusal(_ state: State) -> QueryError? {
        guard state.waiting >= queueLimit else { return nil }
        let ahead = Double(state.waiting) / Double(max(1, concurrency))
        let seconds = (ahead * (state.meanHold / .seconds(1))).rounded(.up)
        return QueryError.queueFull(waiting: state.waiting, retryAfter: Int(min(30, max(1, seconds))))
    }

    private func enter(_ number: Int, resuming: Bool) async throws {
        let now = clock.now
        // The fast path: a free slot and nobody ahead, taken without suspending.
        let entered: Bool? = state.withLock { state in
            switch state.places[number] {
            case .holding: return true
            case .reserved:
                state.reserved -= 1
            case .outside: break
            case .waiting:
                // One task per ticket: it cannot ask while it already waits.
                assertionFailure("a ticket asked for a slot while waiting for one")
                return nil
            case nil:
                return nil  // finished: the query is over
            }
            let ahead = resuming ? state.resuming.count : state.resuming.count + state.new.count
            if state.running < concurrency, ahead == 0 {
                state.running += 1
                state.places[number] = .holding(since: now)
                return true
            }
            state.places[number] = .waiting(continuation: nil)
            if resuming { state.resuming.append(number) } else { state.new.append(number) }
            return false
        }
        switch entered {
        case nil:
            // Never a way past the limit: a ticket that cannot wait (finished) gets no slot.
            throw CancellationError()
        case true?:
            metrics?.recordAdmissionWait(.zero)
            publish()
            return
        case false?:
            publish()
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, any Error>? = state.withLock { state in
                    switch state.places[number] {
                    case .waiting(nil):
                        state.places[number] = .waiting(continuation: continuation)
                        return nil
                    case .holding:
                        // A slot came while this task was on its way here.
                        return .success(())
                    default:
                        // Cancelled (or finished) on the way here.
                        return .failure(CancellationError())
                    }
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
            }
        } onCancel: {
            self.stopWaiting(number)
        }
        metrics?.recordAdmissionWait(now.duration(to: clock.now))
    }

    /// A waiting ticket whose task was cancelled leaves the line (its query ends as cancelled).
    private func stopWaiting(_ number: Int) {
        let continuation: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state.places[number] else { return nil }
            state.resuming.removeAll { $0 == number }
            state.new.removeAll { $0 == number }
            state.places[number] = .outside
            return continuation
        }
        continuation?.resume(throwing: CancellationError())
        publish()
    }

    private func leave(_ number: Int) {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>?? in
            guard case .holding(let since) = state.places[number] else { return nil }
            state.places[number] = .outside
            state.held[number, default: .zero] += since.duration(to: clock.now)
            state.running -= 1
            return Self.handOver(&state, now: clock.now, concurrency: concurrency)
        }
        if let next { next?.resume() }
        publish()
    }

    private func finish(_ number: Int) {
        let (next, cancelled) = state.withLock {
            state -> (CheckedContinuation<Void, any Error>??, CheckedContinuation<Void, any Error>?) in
            let place = state.places.removeValue(forKey: number)
            var held = state.held.removeValue(forKey: number) ?? .zero
            var next: CheckedContinuation<Void, any Error>?? = nil
            var cancelled: CheckedContinuation<Void, any Error>?
            switch place {
            case .reserved:
                state.reserved -= 1
            case .waiting(let continuation):
                state.resuming.removeAll { $0 == number }
                state.new.removeAll { $0 == number }
                // Not reached by a pipeline (its task waits in `enter`), but a ticket is never left in line.
                cancelled = continuation
            case .holding(let since):
                state.running -= 1
                held += since.duration(to: clock.now)
                next = Self.handOver(&state, now: clock.now, concurrency: concurrency)
            case .outside, nil:
                break
            }
            if held > .zero { state.meanHold = (state.meanHold * 7 + held) / 8 }
            return (next, cancelled)
        }
        cancelled?.resume(throwing: CancellationError())
        if let next { next?.resume() }
        publish()
    }

    /// Gives a free slot to the first waiter, resuming ones first. The outer optional is whether a
    /// slot was given; the inner, the waiter's continuation when it has already suspended.
    private static func handOver(
        _ state: inout State, now: ContinuousClock.Instant, concurrency: Int
    ) -> CheckedContinuation<Void, any Error>?? {
        guard state.running < concurrency else { return nil }
        while true {
            let number: Int
            if !state.resuming.isEmpty {
                number = state.resuming.removeFirst()
            } else if !state.new.isEmpty {
                number = state.new.removeFirst()
            } else {
                return nil
            }
            // Every number in line is waiting; were one not, the next is tried, so no slot is left free.
            guard case .waiting(let continuation) = state.places[number] else { continue }
            state.running += 1
            state.places[number] = .holding(since: now)
            return .some(continuation)
        }
    }

    private func publish() {
        guard let metrics else { return }
        let (running, waiting) = state.withLock { ($0.running, $0.waiting) }
        metrics.recordAdmission(running: running, waiting: waiting)
    }
}
