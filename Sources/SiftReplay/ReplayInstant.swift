/// A point on a replay server's time line: the time since the server was made, read from
/// the clock it was given. Lets the servers take any `Clock` without being generic.
struct ReplayInstant: InstantProtocol, Hashable {
    var offset: Duration

    func advanced(by duration: Duration) -> ReplayInstant {
        ReplayInstant(offset: offset + duration)
    }

    func duration(to other: ReplayInstant) -> Duration {
        other.offset - offset
    }

    static func < (lhs: ReplayInstant, rhs: ReplayInstant) -> Bool {
        lhs.offset < rhs.offset
    }

    /// A reader of `clock` whose zero is now.
    static func timeline<C: Clock>(of clock: C) -> @Sendable () -> ReplayInstant where C.Duration == Duration {
        let origin = clock.now
        return { ReplayInstant(offset: origin.duration(to: clock.now)) }
    }
}
