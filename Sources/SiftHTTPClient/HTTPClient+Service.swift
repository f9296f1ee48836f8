import ServiceLifecycle

extension HTTPClient: Service {
    /// Waits for graceful shutdown (or cancellation) of the service group, then shuts
    /// the client down. Place the client before its users in the `ServiceGroup` so that
    /// it stops after them.
    public func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }
}
