import CCurl
import Logging

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
            flushBodies()
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
                easy.addedAt = clock.now
                let added = curl_multi_add_handle(multi, easy.easy)
                guard added == CURLM_OK else {
                    easy.release()
                    transfer.finished(HTTPClientError(.transport, "libcurl refused the transfer (curl_multi_add_handle \(added.rawValue))"))
                    return
                }
                byEasy[easy.easy] = easy
                byTransfer[ObjectIdentifier(transfer)] = easy
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

    /// Wakes the consumers waiting for body bytes that arrived this round: one hand-off per
    /// transfer per round, however many pieces libcurl delivered.
    private func flushBodies() {
        for easy in byEasy.values where easy.needsFlush {
            easy.needsFlush = false
            easy.transfer.flush()
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

    /// Fails transfers that received nothing for their idle timeout, and those that waited
    /// their whole total timeout for a connection; returns how long
    /// `curl_multi_poll` may wait before the next idle deadline.
    private func enforceIdleTimeouts() -> Int32 {
        let now = clock.now
        var wait = Duration.milliseconds(Int64(maxPollMilliseconds))
        for easy in Array(byEasy.values) {
            if let queueDeadline = easy.queueDeadline {
                // Still waiting for a connection (the pool's cap): it gives up at its total timeout.
                if queueDeadline <= now {
                    finish(easy, easy.queuedTooLong(now: now))
                } else {
                    wait = min(wait, now.duration(to: queueDeadline))
                }
                continue
            }
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
