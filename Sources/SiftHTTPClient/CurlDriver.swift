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
    var name = "http"
    var observer: (any HTTPClientObserver)?
    var caFile: String?
    var receiveBufferBytes = 256 * 1024
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
