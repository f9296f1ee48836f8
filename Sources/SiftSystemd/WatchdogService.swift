import Logging
import ServiceLifecycle

/// Keeps systemd's watchdog (`WatchdogSec=`) fed, but only while the daemon is healthy.
///
/// Every half watchdog interval the service runs the injected health check (for
/// example: the event loop answers and the query pipeline is not wedged). When it
/// returns `true` the service sends `WATCHDOG=1`; when it returns `false` the ping is
/// skipped and a warning is logged, so systemd's `WatchdogSec=` action (restart) fires
/// if the daemon stays unhealthy. A health check that never returns also stops the
/// pings, which is the point. The first check runs as soon as the service starts.
///
/// When the watchdog is disabled (no `WATCHDOG_USEC`, or `WATCHDOG_PID` names another
/// process) ``run()`` idles until graceful shutdown or cancellation, so it never ends a
/// `ServiceGroup` early. It returns on graceful shutdown or cancellation.
///
/// Place it before the server in the `ServiceGroup` so it is shut down after it.
public struct WatchdogService<Clock: _Concurrency.Clock>: Service where Clock.Duration == Duration {
    /// The watchdog interval this service keeps; `nil` when the watchdog is disabled.
    public let interval: Duration?
    private let clock: Clock
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let healthCheck: @Sendable () async -> Bool

    /// Creates a watchdog service with an explicit interval.
    ///
    /// - Parameters:
    ///   - interval: The systemd watchdog interval (pings go out every half of it), or
    ///     `nil` for a disabled watchdog.
    ///   - clock: The clock that paces the pings.
    ///   - notifier: Sends `WATCHDOG=1`.
    ///   - logger: Receives a warning for every failed health check.
    ///   - healthCheck: Returns `true` while the daemon is healthy.
    public init(
        interval: Duration?,
        clock: Clock,
        notifier: SystemdNotifier,
        logger: Logger,
        healthCheck: @escaping @Sendable () async -> Bool
    ) {
        if let interval, interval > .zero {
            self.interval = interval
        } else {
            self.interval = nil
        }
        self.clock = clock
        self.notifier = notifier
        self.logger = logger
        self.healthCheck = healthCheck
    }

    /// Creates a watchdog service with the interval systemd configured
    /// (`WATCHDOG_USEC`/`WATCHDOG_PID`, see ``SystemdNotifier/watchdogInterval(unsetEnvironment:)``).
    public init(
        clock: Clock,
        notifier: SystemdNotifier,
        logger: Logger,
        healthCheck: @escaping @Sendable () async -> Bool
    ) {
        self.init(
            interval: SystemdNotifier.watchdogInterval(), clock: clock, notifier: notifier,
            logger: logger, healthCheck: healthCheck)
    }

    /// Runs until graceful shutdown or cancellation, pinging while healthy.
    public func run() async throws {
        guard let interval = self.interval else {
            self.logger.debug("systemd watchdog disabled")
            try? await gracefulShutdown()
            return
        }
        self.logger.debug("systemd watchdog enabled", metadata: ["interval": "\(interval)"])
        await cancelWhenGracefulShutdown {
            await self.pingLoop(period: interval / 2)
        }
    }

    private func pingLoop(period: Duration) async {
        var consecutiveFailures = 0
        var deadline = self.clock.now
        while !Task.isCancelled {
            let started = self.clock.now
            let healthy = await self.healthCheck()
            if Task.isCancelled { return }
            let took = started.duration(to: self.clock.now)
            if healthy {
                self.notifier.watchdog()
                if consecutiveFailures > 0 {
                    self.logger.info(
                        "health check passes again, watchdog pings resumed",
                        metadata: ["failed_checks": "\(consecutiveFailures)"])
                }
                consecutiveFailures = 0
            } else {
                consecutiveFailures += 1
                self.logger.warning(
                    "health check failed, skipping systemd watchdog ping",
                    metadata: ["failed_checks": "\(consecutiveFailures)"])
            }
            if took > period {
                self.logger.warning(
                    "health check slower than half the watchdog interval",
                    metadata: ["took": "\(took)", "interval": "\(period * 2)"])
            }
            // Keep a steady cadence; after a slow check, start counting from now
            // instead of firing a burst of catch-up pings.
            deadline = deadline.advanced(by: period)
            let now = self.clock.now
            if deadline < now { deadline = now.advanced(by: period) }
            do {
                try await self.clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return
            }
        }
    }
}

extension WatchdogService where Clock == ContinuousClock {
    /// Creates a watchdog service on the continuous clock with the interval systemd
    /// configured (`WATCHDOG_USEC`/`WATCHDOG_PID`).
    ///
    /// - Parameters:
    ///   - notifier: Sends `WATCHDOG=1`.
    ///   - logger: Receives a warning for every failed health check.
    ///   - healthCheck: Returns `true` while the daemon is healthy.
    public init(
        notifier: SystemdNotifier,
        logger: Logger,
        healthCheck: @escaping @Sendable () async -> Bool
    ) {
        self.init(clock: ContinuousClock(), notifier: notifier, logger: logger, healthCheck: healthCheck)
    }
}
