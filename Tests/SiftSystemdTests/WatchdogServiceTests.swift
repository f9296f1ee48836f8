import SiftTestClock
import Glibc
import Logging
import ServiceLifecycle
import SiftSystemd
import Synchronization
import Testing

/// Health check answers scripted by a test; `true` once the script is exhausted.
final class HealthScript: Sendable {
    private let answers: Mutex<[Bool]>
    private let onCheck: @Sendable () -> Void

    init(_ answers: [Bool], onCheck: @escaping @Sendable () -> Void = {}) {
        self.answers = Mutex(answers)
        self.onCheck = onCheck
    }

    func check() -> Bool {
        self.onCheck()
        return self.answers.withLock { $0.isEmpty ? true : $0.removeFirst() }
    }
}

extension ProcessEnvironmentTests {
    @Suite struct WatchdogServiceTests {
        let logs = LogCapture()

        func watchdogEnvironment(_ socket: NotifySocket) -> [String: String?] {
            ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"]
        }

        @Test func pingsEveryHalfIntervalOnlyWhileHealthy() async throws {
            let socket = try NotifySocket()
            try await withEnvironment(watchdogEnvironment(socket)) {
                let clock = ManualClock()
                let script = HealthScript([true, false, false, true, true])
                let service = WatchdogService(
                    clock: clock, notifier: SystemdNotifier(logger: logs.logger), logger: logs.logger,
                    healthCheck: { script.check() })
                #expect(service.interval == .seconds(2))

                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    var pingsPerTick: [[String]] = []
                    var deadlines: [Duration] = []
                    for tick in 0..<5 {
                        if tick > 0 { clock.advance(by: .seconds(1)) }
                        // The service sleeps again only after this tick's check (and ping) finished.
                        deadlines.append(await clock.nextSleeper().offset)
                        pingsPerTick.append(socket.receiveAvailable())
                    }
                    #expect(
                        pingsPerTick == [["WATCHDOG=1"], [], [], ["WATCHDOG=1"], ["WATCHDOG=1"]])
                    #expect(deadlines == (1...5).map { .seconds($0) })
                    group.cancelAll()
                    try await group.waitForAll()
                }
            }
            let warnings = logs.records.filter { $0.level == .warning }
            #expect(warnings.map(\.metadata["failed_checks"]) == ["1", "2"])
            let recovered = logs.records.filter { $0.level == .info }
            #expect(recovered.map(\.metadata["failed_checks"]) == ["2"])
        }

        @Test func slowHealthCheckWarnsAndDoesNotBurst() async throws {
            let socket = try NotifySocket()
            try await withEnvironment(watchdogEnvironment(socket)) {
                let clock = ManualClock()
                let checks = Mutex(0)
                // The second check takes 3 s of clock time, longer than the 1 s period.
                let script = HealthScript([]) {
                    let count = checks.withLock { count in
                        count += 1
                        return count
                    }
                    if count == 2 { clock.advance(by: .seconds(3)) }
                }
                let service = WatchdogService(
                    clock: clock, notifier: SystemdNotifier(logger: logs.logger), logger: logs.logger,
                    healthCheck: { script.check() })
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    #expect(await clock.nextSleeper().offset == .seconds(1))
                    clock.advance(by: .seconds(1))
                    // Checked at 1 s, finished at 4 s: the next ping is due a period later, at 5 s.
                    #expect(await clock.nextSleeper().offset == .seconds(5))
                    #expect(socket.receiveAvailable() == ["WATCHDOG=1", "WATCHDOG=1"])
                    group.cancelAll()
                    try await group.waitForAll()
                }
            }
            let warnings = logs.records.filter { $0.level == .warning }
            #expect(warnings.count == 1)
            #expect(warnings.first?.metadata["took"] == "3.0 seconds")
        }

        @Test func endsOnGracefulShutdown() async throws {
            let socket = try NotifySocket()
            try await withEnvironment(watchdogEnvironment(socket)) {
                let clock = ManualClock()
                let service = WatchdogService(
                    clock: clock, notifier: SystemdNotifier(logger: logs.logger), logger: logs.logger,
                    healthCheck: { true })
                let serviceGroup = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: service)], gracefulShutdownSignals: [],
                        cancellationSignals: [], logger: logs.logger))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await serviceGroup.run() }
                    _ = await clock.nextSleeper()
                    await serviceGroup.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
                #expect(socket.receiveAvailable() == ["WATCHDOG=1"])
            }
        }

        @Test func disabledWatchdogNeverPingsAndWaitsForShutdown() async throws {
            let socket = try NotifySocket()
            try await withEnvironment(["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                let checked = Mutex(false)
                let service = WatchdogService(
                    clock: ManualClock(), notifier: SystemdNotifier(logger: logs.logger), logger: logs.logger,
                    healthCheck: {
                        checked.withLock { $0 = true }
                        return true
                    })
                #expect(service.interval == nil)

                // Cancellation ends it.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await service.run() }
                    group.cancelAll()
                    try await group.waitForAll()
                }

                // Graceful shutdown ends it, and it does not end the group before that.
                let serviceGroup = ServiceGroup(
                    configuration: .init(
                        services: [.init(service: service)], gracefulShutdownSignals: [],
                        cancellationSignals: [], logger: logs.logger))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await serviceGroup.run() }
                    await serviceGroup.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
                #expect(!checked.withLock { $0 })
                #expect(socket.receiveAvailable().isEmpty)
            }
        }

        @Test func watchdogForAnotherProcessIsDisabled() async throws {
            await withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid() + 1)"]) {
                let service = WatchdogService(
                    notifier: SystemdNotifier(logger: logs.logger), logger: logs.logger, healthCheck: { true })
                #expect(service.interval == nil)
            }
        }
    }
}
