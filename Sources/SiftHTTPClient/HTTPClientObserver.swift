/// What a client reports about its connection pool, for metrics. Called on the client's
/// driver thread: keep it cheap and never block.
public protocol HTTPClientObserver: Sendable {
    /// A request left the wait for a connection after `waited` (from the moment the driver
    /// took it to the moment it began resolving, connecting, or was given a cached
    /// connection). Reported once per attempt, also for an attempt that never left the
    /// wait (its whole wait) and then fails with `.queuedTooLong`.
    func connectionWait(pool: String, waited: Duration)
    /// A request ran out of its total timeout while still waiting for a connection.
    func queuedTooLong(pool: String)
}
