import Dispatch
import Synchronization

/// What parsing threads tell the index writer.
enum BuildMessage: Sendable {
    /// A source's document count became known.
    case total(source: Int, documents: Int)
    /// Parsed documents of a source.
    case documents(source: Int, [KnowledgeBaseDocument])
    /// A job of a source ended; `failure` when it could not be read at all.
    case jobDone(source: Int, skipped: Int, problem: String?, failure: String?)
}

/// A bounded, blocking queue from the parsing threads to the writer thread.
///
/// Used only on Dispatch threads (never on the Swift concurrency pool): `send` blocks
/// while `capacity` messages wait, so parsing never runs far ahead of SQLite.
final class BuildChannel: Sendable {
    private struct State {
        var queue: [BuildMessage] = []
        var head = 0
        var finishedProducers = 0
    }

    private let state = Mutex(State())
    private let slots: DispatchSemaphore
    private let items = DispatchSemaphore(value: 0)
    private let producers: Int

    init(capacity: Int, producers: Int) {
        slots = DispatchSemaphore(value: capacity)
        self.producers = producers
    }

    /// Queues `message`, waiting while the channel is full.
    func send(_ message: BuildMessage) {
        slots.wait()
        state.withLock { $0.queue.append(message) }
        items.signal()
    }

    /// Called once by each producer when it has sent everything.
    func finish() {
        state.withLock { $0.finishedProducers += 1 }
        items.signal()
    }

    /// The next message, waiting for one; `nil` once every producer finished and the queue is empty.
    func receive() -> BuildMessage? {
        while true {
            items.wait()
            let next: BuildMessage?? = state.withLock { state in
                if state.head < state.queue.count {
                    let message = state.queue[state.head]
                    state.head += 1
                    if state.head > 64 && state.head * 2 > state.queue.count {
                        state.queue.removeFirst(state.head)
                        state.head = 0
                    }
                    return .some(message)
                }
                return state.finishedProducers >= producers ? .some(nil) : nil
            }
            switch next {
            case .some(.some(let message)):
                slots.signal()
                return message
            case .some(.none):
                items.signal()  // Keep later calls returning nil.
                return nil
            case .none:
                continue
            }
        }
    }
}

/// The jobs left to parse, handed out in order.
final class JobQueue: Sendable {
    private let state: Mutex<(jobs: [ImportJob], next: Int)>

    init(_ jobs: [ImportJob]) {
        state = Mutex((jobs, 0))
    }

    /// The next job, or `nil` when none is left.
    func next() -> ImportJob? {
        state.withLock { state in
            guard state.next < state.jobs.count else { return nil }
            defer { state.next += 1 }
            return state.jobs[state.next]
        }
    }
}

/// A flag set once when the build is cancelled, read by every thread.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func cancel() { value.store(true, ordering: .relaxed) }
    var isCancelled: Bool { value.load(ordering: .relaxed) }
}
