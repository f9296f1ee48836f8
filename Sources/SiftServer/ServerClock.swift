/// The server layer's one source of time, made from any `Clock`: query logs' `elapsed_ms`,
/// retention and session idle times, heartbeats and sweeps all read it. siftd passes the
/// continuous clock; tests pass a clock they move by hand, as the `Pipeline`'s tests do.
///
/// It erases the clock's type so that the stores and services need no generic parameter;
/// its instants are durations since the clock was wrapped.
public struct ServerClock: Sendable {
    /// A moment on this clock: the time since it was made.
    public struct Instant: Sendable, Hashable, Comparable {
        var offset: Duration

        /// This instant moved by `duration`.
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let read: @Sendable () -> Duration
    private let pause: @Sendable (Duration) async throws -> Void

    /// Time from `clock`.
    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let start = clock.now
        read = { start.duration(to: clock.now) }
        pause = { try await clock.sleep(for: $0) }
    }

    /// Time from functions: `now` the time since an origin, `sleep` a wait (for tests).
    init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        read = now
        pause = sleep
    }

    /// The continuous clock, as siftd runs.
    public static var continuous: ServerClock { ServerClock(ContinuousClock()) }

    /// Now.
    public var now: Instant { Instant(offset: read()) }

    /// Waits `duration`; throws `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws { try await pause(duration) }
}
