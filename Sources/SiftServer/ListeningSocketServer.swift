#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Serves a router on a listening socket that already exists: the one systemd passes
/// when `siftd.socket` activates the daemon (`sd_listen_fds(3)`).
///
/// Hummingbird's `Application` binds its own socket from a host and port and has no
/// way to adopt a descriptor, so this service does what its server does around
/// Hummingbird's own HTTP/1.1 channel: accept on the descriptor (SwiftNIO's
/// `ServerBootstrap.bind(_:)` for an existing socket), build a request context per
/// request, answer through the router, stamp `Date` and `Server`, and on graceful
/// shutdown stop accepting, let idle connections close (`ServerQuiescingHelper`) and
/// wait for the ones in flight. Responses are the same as from `Application`.
public struct ListeningSocketServer: Service {
    let socket: Int32
    let responder: RouterResponder<SiftRequestContext>
    let serverName: String?
    let eventLoopGroup: any EventLoopGroup
    let onServerRunning: @Sendable (any Channel) async -> Void
    let logger: Logger

    /// - Parameters:
    ///   - socket: A bound, listening stream socket; the server owns and closes it.
    ///   - router: The routes to answer with.
    ///   - serverName: The `Server` header, as `Application`'s `serverName`.
    ///   - eventLoopGroup: The loops that accept and serve connections.
    ///   - onServerRunning: Called once the socket is registered and accepting.
    ///   - logger: Logs accept errors; request loggers derive from it.
    public init(
        socket: Int32, router: Router<SiftRequestContext>, serverName: String?,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }, logger: Logger
    ) {
        self.socket = socket
        self.responder = router.buildResponder()
        self.serverName = serverName
        self.eventLoopGroup = eventLoopGroup
        self.onServerRunning = onServerRunning
        self.logger = logger
    }

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = self.serverName
        let dates = HTTPDateCache()
        let child = HTTP1Channel(responder: { request, writer, channel in
            let context = SiftRequestContext(source: .init(channel: channel, logger: logger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                context.logger.debug("unhandled error", metadata: ["error": "\(error)"])
                response = Response(status: .internalServerError)
            }
            response.headers[.date] = dates.now()
            if let serverName { response.headers[.server] = serverName }
            try await writer.write(response: response.head, body: response.body)
        })

        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let server = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .bind(NIOBSDSocket.Handle(socket)) { channel in
                child.setup(channel: channel, logger: logger)
            }

        await withGracefulShutdownHandler {
            await onServerRunning(server.channel)
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await child.handle(value: connection, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("accepting connections failed", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            // Closes the listening socket (ending `inbound`) and asks every connection to
            // close once its request is answered.
            quiescing.initiateShutdown(promise: nil)
        }
    }
}

/// The `Date` header value, formatted once a second (RFC 9110 IMF-fixdate).
final class HTTPDateCache: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let second = spec.tv_sec
        return cached.withLock { cache in
            if cache.second != second {
                cache = (second, Self.format(second))
            }
            return cache.text
        }
    }

    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
