import CCurl
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// libcurl's process-wide initialisation, run once, before the first multi handle.
private let curlGlobalInitCode: UInt32 = curl_global_init(sift_curl_global_all()).rawValue

/// What the driver thread needs besides the transfers.
struct DriverSettings: Sendable {
    var maxConnectionsPerHost: Int
    var maxTotalConnections: Int
    var resolve: [String]
    var policy: AddressPolicy
}

/// The thread-safe face of the driver thread: a command queue it drains, and the
/// `curl_multi_wakeup` that interrupts its `curl_multi_poll`.
///
/// Everything else, the multi handle's transfers and every `curl_easy_*` call on them,
/// lives on the driver thread (`DriverLoop`).
final class CurlDriver: Sendable {
    /// Work for the driver thread.
    enum Command: Sendable {
        /// Create the easy handle and add it to the multi.
        case add(Transfer)
        /// Remove the transfer from the multi (it was cancelled) and free it.
        case remove(Transfer)
        /// Resume a transfer paused by backpressure.
        case unpause(Transfer)
    }

    /// The multi handle as other threads may see it: they only ever call
    /// `curl_multi_wakeup` on it (thread-safe by libcurl's contract), under the lock, and
    /// the driver clears it under the same lock before `curl_multi_cleanup`.
    private struct WakeupHandle: @unchecked Sendable {
        let multi: UnsafeMutableRawPointer

        func wakeup() {
            curl_multi_wakeup(multi)
        }
    }

    private struct State: ~Copyable {
        var commands: [Command] = []
        /// nil once the driver thread has cleaned the multi handle up.
        var multi: WakeupHandle?
        var stopping = false
        var thread: pthread_t?
        var liveEasyHandles = 0
    }

    private let state: Mutex<State>
    let logger: Logger

    /// Creates the multi handle and starts the driver thread.
    init(settings: DriverSettings, logger: Logger) throws(HTTPClientError) {
        guard curlGlobalInitCode == CURLE_OK.rawValue else {
            throw HTTPClientError(.transport, "libcurl failed to initialise (curl_global_init \(curlGlobalInitCode))")
        }
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(.transport, "libcurl could not create a multi handle")
        }
        sift_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, settings.maxConnectionsPerHost)
        sift_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.maxTotalConnections)
        sift_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, sift_curlpipe_multiplex())
        self.logger = logger
        self.state = Mutex(State(multi: WakeupHandle(multi: multi)))

        let loop = DriverLoop(multi: multi, driver: self, settings: settings, logger: logger)
        let context = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                Unmanaged<DriverLoop>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
        guard created == 0 else {
            Unmanaged<DriverLoop>.fromOpaque(context).release()
            state.withLock { $0.multi = nil }
            curl_multi_cleanup(multi)
            throw HTTPClientError(.transport, "could not start the HTTP driver thread (pthread_create \(created))")
        }
        state.withLock { $0.thread = thread }
    }

    /// Queues `command` and wakes the driver thread; false once the driver is stopping.
    @discardableResult
    func submit(_ command: Command) -> Bool {
        state.withLock { state in
            guard !state.stopping, let multi = state.multi else { return false }
            state.commands.append(command)
            multi.wakeup()
            return true
        }
    }

    /// Stops the driver thread after it has failed every transfer with `.shutdown`, and
    /// waits for it. Idempotent.
    func shutdown() {
        let thread = state.withLock { state -> pthread_t? in
            guard !state.stopping else { return nil }
            state.stopping = true
            state.multi?.wakeup()
            defer { state.thread = nil }
            return state.thread
        }
        guard let thread else { return }
        if pthread_equal(thread, pthread_self()) != 0 {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    /// Easy handles alive right now (tests check that every path frees them).
    var liveEasyHandles: Int { state.withLock { $0.liveEasyHandles } }

    // MARK: for the driver thread

    /// The queued commands, and whether the driver must stop.
    func takeCommands() -> (commands: [Command], stopping: Bool) {
        state.withLock { state in
            defer { state.commands.removeAll(keepingCapacity: true) }
            return (state.commands, state.stopping)
        }
    }

    func setLiveEasyHandles(_ count: Int) {
        state.withLock { $0.liveEasyHandles = count }
    }

    /// The driver thread is about to clean the multi handle up: no wakeups after this.
    func multiWillClose() {
        state.withLock { $0.multi = nil }
    }
}

/// The driver thread's own state: the multi handle and the transfers in it. Never
/// shared: it is created for the thread and touched only there.
final class DriverLoop {
    private let multi: UnsafeMutableRawPointer
    private let driver: CurlDriver
    private let settings: DriverSettings
    private let logger: Logger
    private var byEasy: [UnsafeMutableRawPointer: EasyTransfer] = [:]
    private var byTransfer: [ObjectIdentifier: EasyTransfer] = [:]
    private let clock = ContinuousClock()
    /// The longest `curl_multi_poll` wait when nothing else limits it.
    private let maxPollMilliseconds: Int32 = 1000

    init(multi: UnsafeMutableRawPointer, driver: CurlDriver, settings: DriverSettings, logger: Logger) {
        self.multi = multi
        self.driver = driver
        self.settings = settings
        self.logger = logger
    }

    func run() {
        sift_name_current_thread("sift-curl")
        while true {
            let (commands, stopping) = driver.takeCommands()
            for command in commands {
                apply(command, stopping: stopping)
            }
            if stopping { break }
            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK {
                logger.error("curl_multi_perform failed", metadata: ["curlm": "\(performed.rawValue)"])
            }
            collectFinished()
            let timeout = enforceIdleTimeouts()
            curl_multi_poll(multi, nil, 0, timeout, nil)
        }
        for transfer in Array(byEasy.values) {
            finish(transfer, HTTPClientError(.shutdown, "the HTTP client shut down during the request to \(transfer.request.host)"))
        }
        driver.multiWillClose()
        curl_multi_cleanup(multi)
        logger.debug("HTTP driver thread stopped")
    }

    private func apply(_ command: CurlDriver.Command, stopping: Bool) {
        switch command {
        case .add(let transfer):
            if stopping {
                transfer.finished(HTTPClientError(.shutdown, "the HTTP client shut down before the request to \(transfer.request.host)"))
                return
            }
            guard !transfer.hasEnded else { return }  // cancelled before it started
            do {
                let easy = try EasyTransfer(transfer: transfer, settings: settings)
                let added = curl_multi_add_handle(multi, easy.easy)
                guard added == CURLM_OK else {
                    easy.release()
                    transfer.finished(HTTPClientError(.transport, "libcurl refused the transfer (curl_multi_add_handle \(added.rawValue))"))
                    return
                }
                byEasy[easy.easy] = easy
                byTransfer[ObjectIdentifier(transfer)] = easy
                easy.addedAt = clock.now
                driver.setLiveEasyHandles(byEasy.count)
            } catch {
                transfer.finished(error)
            }
        case .remove(let transfer):
            guard let easy = byTransfer[ObjectIdentifier(transfer)] else { return }
            // The transfer already ended consumer-side; this frees the handle and, when the
            // body was incomplete, closes its connection.
            finish(easy, HTTPClientError(.cancelled, "the request to \(transfer.request.host) was cancelled"))
        case .unpause(let transfer):
            guard let easy = byTransfer[ObjectIdentifier(transfer)] else { return }
            if let error = easy.unpause(now: clock.now) {
                finish(easy, error)
            }
        }
    }

    /// Completes every transfer libcurl reports done.
    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                let easy = byEasy[handle]
            else { continue }
            let code = message.pointee.data.result
            finish(easy, easy.outcome(code))
        }
    }

    /// Fails transfers that received nothing for their idle timeout; returns how long
    /// `curl_multi_poll` may wait before the next idle deadline.
    private func enforceIdleTimeouts() -> Int32 {
        let now = clock.now
        var wait = Duration.milliseconds(Int64(maxPollMilliseconds))
        for easy in Array(byEasy.values) {
            guard !easy.isPaused, let last = easy.lastActivity else { continue }
            let deadline = last.advanced(by: easy.request.idleTimeout)
            if deadline <= now {
                finish(easy, HTTPClientError(
                    .timedOut,
                    "no data from \(easy.request.host) for \(milliseconds(easy.request.idleTimeout)) ms (idle timeout)"))
            } else {
                wait = min(wait, now.duration(to: deadline))
            }
        }
        return Int32(clamping: milliseconds(wait))
    }

    /// Takes a transfer out of the multi, frees its handle, then tells the consumer.
    private func finish(_ easy: EasyTransfer, _ error: HTTPClientError?) {
        byEasy[easy.easy] = nil
        byTransfer[ObjectIdentifier(easy.transfer)] = nil
        curl_multi_remove_handle(multi, easy.easy)
        easy.release()
        driver.setLiveEasyHandles(byEasy.count)
        if let error {
            logger.debug(
                "HTTP transfer failed",
                metadata: ["host": "\(easy.request.host)", "error": "\(error)"])
        }
        easy.transfer.finished(error)
    }
}
