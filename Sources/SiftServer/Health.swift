import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What the watchdog asks before each `WATCHDOG=1`: does every event loop run a task,
/// and does the query pipeline answer a probe search in the knowledge base? Either one
/// wedged (a blocked loop thread, a stuck index lock, a starved task pool) stops the
/// pings, and systemd restarts siftd after `WatchdogSec=`.
public struct HealthCheck: Sendable {
    let eventLoops: any EventLoopGroup
    let probe: PipelineProbe
    let logger: Logger
    let timeout: Duration

    public init(eventLoops: any EventLoopGroup, probe: PipelineProbe, timeout: Duration = .seconds(2), logger: Logger) {
        self.eventLoops = eventLoops
        self.probe = probe
        self.timeout = timeout
        self.logger = logger
    }

    /// True when both the event loops and the pipeline answered in time.
    public func callAsFunction() async -> Bool {
        let loops = await eventLoopsRespond(eventLoops, within: timeout)
        if !loops { logger.warning("health check: an event loop did not run a task in \(timeout)") }
        let pipeline = await probe.check(within: timeout)
        if !pipeline { logger.warning("health check: the pipeline did not answer a probe search in \(timeout)") }
        return loops && pipeline
    }
}

/// Whether every event loop of `group` runs a task within `timeout`.
public func eventLoopsRespond(_ group: any EventLoopGroup, within timeout: Duration) async -> Bool {
    await answer(within: timeout) { answer in
        let loops = Array(group.makeIterator())
        let remaining = Countdown(loops.count)
        for loop in loops {
            loop.execute {
                if remaining.tick() { answer.give(true) }
            }
        }
    }
}

/// Counts down to zero from several threads.
final class Countdown: Sendable {
    private let left: Atomic<Int>
    init(_ count: Int) { left = Atomic(count) }
    /// Counts one; true for the one that reaches zero.
    func tick() -> Bool { left.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// The answer `start` gives, or `false` when none comes within `timeout`. Returns on
/// time even when `start`'s work never finishes (a blocked loop, a stuck search).
func answer(within timeout: Duration, _ start: @escaping @Sendable (FirstAnswer) -> Void) async -> Bool {
    let answer = FirstAnswer()
    return await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    answer.wait(continuation)
                    start(answer)
                }
            } onCancel: {
                answer.give(false)
            }
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return false
        }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}

/// A probe search through the pipeline's one provider that every query asks (siftd
/// gives it a knowledge-base search).
///
/// The search runs on NIO's blocking-work thread pool, so a probe that never returns cannot hold
/// up the watchdog: it is reported unhealthy after the timeout, and while it is still
/// stuck no second probe starts.
public final class PipelineProbe: Sendable {
    private let search: @Sendable () -> Bool
    private let outstanding = Atomic<Bool>(false)

    /// - Parameter search: A small real search; returns whether it succeeded.
    public init(search: @escaping @Sendable () -> Bool) {
        self.search = search
    }

    /// Whether the search answers `true` within `timeout`.
    public func check(within timeout: Duration) async -> Bool {
        guard outstanding.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return false
        }
        return await answer(within: timeout) { answer in
            NIOThreadPool.singleton.submit { _ in
                let answered = self.search()
                self.outstanding.store(false, ordering: .releasing)
                answer.give(answered)
            }
        }
    }
}

/// Resumes a continuation with the first answer given, whether it comes before or
/// after the continuation is set; later answers are dropped.
final class FirstAnswer: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Bool, Never>)
        case answered(Bool)
        case done
    }

    private let state = Mutex<State>(.idle)

    func wait(_ continuation: CheckedContinuation<Bool, Never>) {
        let early: Bool? = state.withLock { state in
            if case .answered(let answer) = state {
                state = .done
                return answer
            }
            state = .waiting(continuation)
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func give(_ answer: Bool) {
        let waiting: CheckedContinuation<Bool, Never>? = state.withLock { state in
            switch state {
            case .idle:
                state = .answered(answer)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .answered, .done:
                return nil
            }
        }
        waiting?.resume(returning: answer)
    }
}
