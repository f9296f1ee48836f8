import Glibc
import Logging
import SiftSystemd
import Testing

extension ProcessEnvironmentTests {
    @Suite struct SystemdNotifierTests {
        let logs = LogCapture()

        @Test func readyCarriesASanitizedStatus() async throws {
            let socket = try NotifySocket()
            await withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                #expect(notifier.isEnabled)
                #expect(notifier.ready(status: "serving on :8080\nkb open\r\tok"))
                #expect(socket.receiveAvailable() == ["READY=1\nSTATUS=serving on :8080 kb open  ok"])
                #expect(notifier.ready())
                #expect(socket.receiveAvailable() == ["READY=1"])
            }
        }

        @Test func statusLineHasNoNewlines() async throws {
            let socket = try NotifySocket()
            await withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                #expect(notifier.status("3 streams\nREADY=1"))
                // The embedded assignment must not become a second line systemd would parse.
                #expect(socket.receiveAvailable() == ["STATUS=3 streams READY=1"])
            }
        }

        @Test func reloadingCarriesTheMonotonicClock() async throws {
            let socket = try NotifySocket()
            try await withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                let before = Self.monotonicMicroseconds()
                #expect(notifier.reloading())
                let after = Self.monotonicMicroseconds()
                let messages = socket.receiveAvailable()
                try #require(messages.count == 1)
                let lines = messages[0].split(separator: "\n")
                try #require(lines.count == 2)
                #expect(lines[0] == "RELOADING=1")
                #expect(lines[1].hasPrefix("MONOTONIC_USEC="))
                let usec = try #require(UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)))
                #expect(usec >= before && usec <= after)
            }
        }

        @Test func stoppingWatchdogAndExtendTimeout() async throws {
            let socket = try NotifySocket()
            await withEnvironment(["NOTIFY_SOCKET": socket.path]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                #expect(notifier.stopping())
                #expect(notifier.stopping(status: "draining\n2 streams"))
                #expect(notifier.watchdog())
                #expect(notifier.extendTimeout(usec: 5_000_000))
                #expect(
                    socket.receiveAvailable() == [
                        "STOPPING=1", "STOPPING=1\nSTATUS=draining 2 streams", "WATCHDOG=1",
                        "EXTEND_TIMEOUT_USEC=5000000",
                    ])
            }
        }

        @Test func disabledWithoutNotifySocket() async throws {
            await withEnvironment(["NOTIFY_SOCKET": nil]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                #expect(!notifier.isEnabled)
                #expect(!notifier.ready(status: "x"))
                #expect(!notifier.watchdog())
            }
            #expect(logs.records.isEmpty)
        }

        @Test func deliveryFailureIsLoggedAtDebugNotThrown() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            await withEnvironment(["NOTIFY_SOCKET": directory.path + "/missing"]) {
                let notifier = SystemdNotifier(logger: logs.logger)
                #expect(notifier.isEnabled)
                #expect(!notifier.watchdog())
            }
            let records = logs.records
            #expect(records.count == 1)
            #expect(records.first?.level == .debug)
            #expect(records.first?.metadata["errno"] == "\(ENOENT)")
        }

        @Test func watchdogIntervalFollowsWatchdogPid() async throws {
            await withEnvironment(["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid())"]) {
                #expect(SystemdNotifier.watchdogInterval() == .seconds(3))
                await withEnvironment(["WATCHDOG_PID": "\(getpid() + 1)"]) {
                    #expect(SystemdNotifier.watchdogInterval() == nil)
                }
                await withEnvironment(["WATCHDOG_PID": nil]) {
                    // No WATCHDOG_PID: the interval is for us.
                    #expect(SystemdNotifier.watchdogInterval() == .seconds(3))
                }
            }
            await withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
                #expect(SystemdNotifier.watchdogInterval() == nil)
            }
        }

        static func monotonicMicroseconds() -> UInt64 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        }
    }
}

@Test func statusSanitizingReplacesControlCharacters() {
    #expect(SystemdNotifier.sanitizedStatus("a\nb\r\nc\u{0}d\u{2028}e") == "a b  c d e")
    #expect(SystemdNotifier.sanitizedStatus("héllo · 200 streams") == "héllo · 200 streams")
}
