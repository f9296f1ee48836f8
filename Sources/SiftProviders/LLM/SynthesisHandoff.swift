import SiftCore
import Synchronization

/// Hands synthesis outputs from the tasks that write them (one per model in compare mode)
/// to the one task that passes them on, one at a time: ``send(_:)`` returns only once the
/// consumer has taken the piece, so a writer goes no faster than its reader.
///
/// The consumer calls ``next()`` until it returns nil (or throws the writers' error); if it
/// stops early, it calls ``cancel()``, which fails every waiting and later ``send(_:)`` with
/// `CancellationError`. Cancelling the consumer's task while it waits does the same.
final class SynthesisHandoff: Sendable {
    private struct Pending {
        var output: SynthesisOutput
        var sender: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var consumer: CheckedContinuation<SynthesisOutput?, any Error>?
        /// Set when the writers finished: nil means normally.
        var finished: (any Error)?? = .none
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Waits until the consumer has taken `output`; throws `CancellationError` once it has given up.
    func send(_ output: SynthesisOutput) async throws {
        try await withCheckedThrowingContinuation { (sender: CheckedContinuation<Void, any Error>) in
            let consumer = state.withLock { state -> CheckedContinuation<SynthesisOutput?, any Error>?? in
                if state.cancelled { return .some(nil) }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return consumer
                }
                state.pending.append(Pending(output: output, sender: sender))
                return .none
            }
            switch consumer {
            case .none: break  // queued: resumed when taken
            case .some(.none): sender.resume(throwing: CancellationError())
            case .some(.some(let consumer)):
                consumer.resume(returning: output)
                sender.resume()
            }
        }
    }

    /// The writers are done; `error` (if any) reaches the consumer after what was sent.
    func finish(throwing error: (any Error)? = nil) {
        let consumer = state.withLock { state -> CheckedContinuation<SynthesisOutput?, any Error>? in
            state.finished = .some(error)
            defer { state.consumer = nil }
            return state.pending.isEmpty ? state.consumer : nil
        }
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }

    /// The next output; nil once the writers finished and everything sent was taken.
    func next() async throws -> SynthesisOutput? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (consumer: CheckedContinuation<SynthesisOutput?, any Error>) in
                enum Step {
                    case take(SynthesisOutput, CheckedContinuation<Void, any Error>)
                    case end((any Error)?)
                    case wait
                }
                let step = state.withLock { state -> Step in
                    if state.cancelled { return .end(CancellationError()) }
                    if !state.pending.isEmpty {
                        let first = state.pending.removeFirst()
                        return .take(first.output, first.sender)
                    }
                    if case .some(let error) = state.finished { return .end(error) }
                    state.consumer = consumer
                    return .wait
                }
                switch step {
                case .take(let output, let sender):
                    sender.resume()
                    consumer.resume(returning: output)
                case .end(let error):
                    if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
                case .wait: break
                }
            }
        } onCancel: {
            cancel()
        }
    }

    /// The consumer gives up: every waiting and later ``send(_:)`` throws `CancellationError`,
    /// and a waiting ``next()`` too.
    func cancel() {
        let (pending, consumer) = state.withLock { state in
            state.cancelled = true
            defer {
                state.pending = []
                state.consumer = nil
            }
            return (state.pending, state.consumer)
        }
        for waiting in pending { waiting.sender.resume(throwing: CancellationError()) }
        consumer?.resume(throwing: CancellationError())
    }
}
