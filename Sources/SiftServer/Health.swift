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
    let futures = group.makeIterator().map { loop -> EventLoopFuture<Bool> in
        let answered = loop.makePromise(of: Bool.self)
        loop.execute { answered.succeed(true) }
        return answered.futureResult
    }
    return await withTaskGroup(of: Bool.self) { group in
        group.addTask {
            for future in futures where (try? await future.get()) != true { return false }
            return true
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
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.wait(continuation)
            NIOThreadPool.singleton.submit { _ in
                let answered = self.search()
                self.outstanding.store(false, ordering: .releasing)
                answer.give(answered)
            }
            Task {
                try? await Task.sleep(for: timeout)
                answer.give(false)
            }
        }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func wait(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ answer: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
