import CSystemd
import Glibc
import Logging

/// Sends service state notifications to systemd (`sd_notify(3)`).
///
/// All methods are cheap no-ops when the process was not started by systemd with
/// `Type=notify` (no `NOTIFY_SOCKET` in the environment); they then return `false`.
/// Delivery failures are logged at debug level and never thrown: a daemon must keep
/// serving when its supervisor cannot be told about it.
///
/// Read by this type: `NOTIFY_SOCKET` (set by systemd for `Type=notify` and
/// `NotifyAccess=`), `WATCHDOG_USEC` and `WATCHDOG_PID` (set for `WatchdogSec=`).
public struct SystemdNotifier: Sendable {
    private let logger: Logger
    private let pid: pid_t

    /// Creates a notifier.
    ///
    /// - Parameters:
    ///   - logger: Where delivery failures are reported (debug level).
    ///   - pid: The process to notify on behalf of; `0` (the default) means this process.
    public init(logger: Logger, pid: pid_t = 0) {
        self.logger = logger
        self.pid = pid
    }

    /// Whether systemd listens for notifications (`NOTIFY_SOCKET` is set and non-empty).
    public var isEnabled: Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return value.pointee != 0
    }

    /// Tells systemd that start-up finished (`READY=1`), optionally with a status line.
    ///
    /// Send it only once the listener is bound and the knowledge base is open; send it
    /// again after a reload that followed ``reloading()``.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        var state = "READY=1"
        if let status { state += "\nSTATUS=" + Self.sanitizedStatus(status) }
        return self.send(state)
    }

    /// Sets the free-form status line shown by `systemctl status` (`STATUS=`).
    ///
    /// Newlines and other control characters are replaced by spaces.
    @discardableResult
    public func status(_ text: String) -> Bool {
        self.send("STATUS=" + Self.sanitizedStatus(text))
    }

    /// Tells systemd that a configuration reload started (`RELOADING=1` with
    /// `MONOTONIC_USEC=` read from `CLOCK_MONOTONIC`, as `Type=notify-reload` requires).
    ///
    /// Call ``ready(status:)`` when the reload is complete.
    @discardableResult
    public func reloading() -> Bool {
        self.send("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Tells systemd that the service is shutting down (`STOPPING=1`).
    @discardableResult
    public func stopping(status: String? = nil) -> Bool {
        var state = "STOPPING=1"
        if let status { state += "\nSTATUS=" + Self.sanitizedStatus(status) }
        return self.send(state)
    }

    /// Keeps the systemd watchdog alive (`WATCHDOG=1`).
    ///
    /// Prefer ``WatchdogService``, which only pings while a health check passes.
    @discardableResult
    public func watchdog() -> Bool {
        self.send("WATCHDOG=1")
    }

    /// Asks systemd for more time to start, reload or stop (`EXTEND_TIMEOUT_USEC=`).
    ///
    /// - Parameter usec: The time from now, in microseconds, by which the next state
    ///   change or extension must arrive.
    @discardableResult
    public func extendTimeout(usec: UInt64) -> Bool {
        self.send("EXTEND_TIMEOUT_USEC=\(usec)")
    }

    /// Sends raw newline-separated `KEY=VALUE` assignments.
    ///
    /// The typed methods above are preferred; this is for assignments they do not cover.
    /// - Returns: `true` when the message was delivered, `false` when notifications are
    ///   disabled or delivery failed.
    @discardableResult
    public func send(_ state: String) -> Bool {
        let result = state.withCString { pointer in
            self.pid == 0 ? sd_notify(0, pointer) : sd_pid_notify(self.pid, 0, pointer)
        }
        if result < 0 {
            self.logger.debug(
                "sd_notify failed",
                metadata: ["errno": "\(-result)", "error": "\(String(cString: strerror(-result)))"])
            return false
        }
        return result > 0
    }

    /// The watchdog interval systemd expects pings within, or `nil` when the watchdog is
    /// off or meant for another process (`sd_watchdog_enabled(3)`: `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`).
    ///
    /// - Parameter unsetEnvironment: Remove both variables so child processes do not
    ///   inherit them.
    public static func watchdogInterval(unsetEnvironment: Bool = false) -> Duration? {
        var usec: UInt64 = 0
        let result = sd_watchdog_enabled(unsetEnvironment ? 1 : 0, &usec)
        guard result > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// `text` made safe for a single `STATUS=` line: control characters become spaces.
    public static func sanitizedStatus(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" {
                scalars.append(" ")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Microseconds on `CLOCK_MONOTONIC`, the clock `MONOTONIC_USEC=` refers to.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
