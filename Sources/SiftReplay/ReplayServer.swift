import Hummingbird
import Logging
import NIOCore

/// Runs a replay router on loopback for the duration of `body`, on an ephemeral port
/// unless `port` is given, and stops it when `body` returns or throws.
///
/// Structured: the server lives in a child task of this call, so nothing outlives it.
public func withReplayServer<Result: Sendable>(
    _ router: Router<BasicRequestContext>, host: String = "127.0.0.1", port: Int = 0,
    logger: Logger = Logger(label: "sift.replay"),
    _ body: @Sendable (_ port: Int) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "sift-replay"),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? port)
            portContinuation.finish()
        },
        logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else {
            group.cancelAll()
            throw ReplayServerError.didNotStart
        }
        do {
            let result = try await body(bound)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Why a replay server could not be used.
public enum ReplayServerError: Error {
    /// The server stopped before it reported its port.
    case didNotStart
}
