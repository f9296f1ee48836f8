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
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix
import ServiceLifecycle
import SiftCore
import Synchronization

/// siftd's HTTP/1.1 server, the same whether siftd binds its own socket or systemd passes one
/// (`siftd.socket`, `sd_listen_fds(3)`).
///
/// Hummingbird's `Application` binds from a host and port only, and has no place for the
/// connection-level limits below, so this service does what its server does around
/// Hummingbird's own HTTP/1.1 child channel (`HTTP1Channel`): accept (SwiftNIO's
/// `ServerBootstrap`, on a host and port or an existing descriptor), build a request context
/// per request, answer through the router, stamp `Date` and `Server`, and on graceful shutdown
/// stop accepting, let idle connections close (`ServerQuiescingHelper`) and wait for the ones in
/// flight. On top, from ``ConnectionLimits`` (docs/security.md lists the defaults):
/// - a cap on open connections: over it a connection is accepted, answered `503`
///   `connection_limit` with `Connection: close`, and closed (``ConnectionGate``);
/// - a header timeout, a body timeout and an idle keep-alive timeout, and typed JSON answers to
///   requests the HTTP parser refuses (``ConnectionDeadlineHandler``);
/// - a response that says `Connection: close` (every event stream does) closes the connection
///   once written, so a request pipelined after it is never left unanswered on an open connection.
public struct SiftHTTPServer: Service {
    /// Where the server listens.
    public enum Binding: Sendable {
        /// Binds `host:port` itself.
        case hostPort(String, Int)
        /// A bound, listening stream socket (systemd's); the server owns and closes it.
        case socket(Int32)
    }

    let binding: Binding
    let responder: RouterResponder<SiftRequestContext>
    let serverName: String?
    let limits: ConnectionLimits
    let metrics: SiftMetrics?
    let eventLoopGroup: any EventLoopGroup
    let onServerRunning: @Sendable (any Channel) async -> Void
    let logger: Logger

    /// - Parameters:
    ///   - binding: Where to listen.
    ///   - router: The routes to answer with.
    ///   - serverName: The `Server` header, as `Application`'s `serverName`.
    ///   - limits: Timeouts, the connection cap and the header size cap.
    ///   - metrics: Counts connections and rejections; nil counts nothing.
    ///   - eventLoopGroup: The loops that accept and serve connections.
    ///   - onServerRunning: Called once the socket is registered and accepting.
    ///   - logger: Logs accept errors; request loggers derive from it.
    public init(
        binding: Binding, router: Router<SiftRequestContext>, serverName: String?,
        limits: ConnectionLimits = .init(), metrics: SiftMetrics? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }, logger: Logger
    ) {
        self.binding = binding
        self.responder = router.buildResponder()
        self.serverName = serverName
        self.limits = limits
        self.metrics = metrics
        self.eventLoopGroup = eventLoopGroup
        self.onServerRunning = onServerRunning
        self.logger = logger
    }

    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let serverName = self.serverName
        let limits = self.limits
        let metrics = self.metrics
        let dates = HTTPDateCache()
        let gate = ConnectionGate(capacity: limits.effectiveMaxConnections, metrics: metrics)
        if gate.capacity < limits.maxConnections {
            logger.notice(
                "connection cap lowered to fit the open-file limit",
                metadata: ["configured": "\(limits.maxConnections)", "cap": "\(gate.capacity)"])
        }
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [], idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                maxHeaderFieldCount: limits.maxHeaderCount))
        let http = HTTP1Channel(
            responder: { request, writer, channel in
                let context = SiftRequestContext(source: .init(channel: channel, logger: logger))
                var response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch let error as HTTPParserError {
                    throw error
                } catch {
                    context.logger.error("unhandled error", metadata: ["error": "\(error)"])
                    response = Response.connectionError(
                        status: .internalServerError, code: "internal", message: "The server failed to answer; retry.",
                        id: context.requestID.rawValue, retryable: true)
                }
                response.headers[.date] = dates.now()
                if let serverName { response.headers[.server] = serverName }
                try await writer.write(response: response.head, body: response.body)
            }, configuration: configuration)

        @Sendable func setUp(_ channel: any Channel) -> EventLoopFuture<HTTP1Channel.Value> {
            guard gate.admit(channel) else {
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(OverCapacityHandler(capacity: gate.capacity))
                    return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
                }
            }
            // Made and used on the connection's event loop only.
            let state = NIOLoopBound(ConnectionDeadlineState(), eventLoop: channel.eventLoop)
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionBytesHandler(state: state.value))
            }.flatMap {
                http.setup(channel: channel, logger: logger)
            }.flatMapThrowing { value in
                // After Hummingbird's HTTP/1.1 codec, before its connection-state handler.
                let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
                try channel.pipeline.syncOperations.addHandler(
                    ConnectionDeadlineHandler(limits: limits, metrics: metrics, logger: logger, state: state.value, gate: gate),
                    position: .after(codec))
                return value
            }
        }

        let quiescing = ServerQuiescingHelper(group: eventLoopGroup)
        let bootstrap = ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        let server: NIOAsyncChannel<HTTP1Channel.Value, Never>
        switch binding {
        case .hostPort(let host, let port):
            server = try await bootstrap.bind(host: host, port: port) { setUp($0) }
        case .socket(let socket):
            server = try await bootstrap.bind(NIOBSDSocket.Handle(socket)) { setUp($0) }
        }

        await withGracefulShutdownHandler {
            await onServerRunning(server.channel)
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await http.handle(value: connection, logger: logger) }
                        }
                    }
                } catch {
                    logger.error("accepting connections failed", metadata: ["error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            // Closes the listening socket (ending `inbound`) and asks every connection to close once
            // its request is answered; one still reading a request closes at once (the deadline handler).
            quiescing.initiateShutdown(promise: nil)
        }
    }
}

/// The connection-level limits of ``SiftHTTPServer``.
public struct ConnectionLimits: Sendable, Equatable {
    /// How long a request head may take from its first byte to its blank line (`SIFT_HEADER_TIMEOUT_SECONDS`).
    public var headerTimeout: Duration = .seconds(10)
    /// How long a request body may take from the end of its head to its last byte (`SIFT_BODY_TIMEOUT_SECONDS`).
    public var bodyTimeout: Duration = .seconds(30)
    /// How long a connection may wait between requests, with no response pending (`SIFT_IDLE_TIMEOUT_SECONDS`).
    public var idleTimeout: Duration = .seconds(75)
    /// Most connections open at once (`SIFT_MAX_CONNECTIONS`), lowered to fit the open-file limit.
    public var maxConnections = 4096
    /// Largest request head: one field, and all fields together; more is `431`.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields in a request head; more is `431`.
    public var maxHeaderCount = 100

    public init() {}

    /// ``maxConnections``, lowered so that accepting never runs out of file descriptors: an eighth of
    /// the soft `RLIMIT_NOFILE`, and at least 64, stay for everything else (page fetches, the cache, logs).
    public var effectiveMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else {
            return maxConnections
        }
        let soft = Int(clamping: limit.rlim_cur)
        return max(1, min(maxConnections, soft - max(64, soft / 8)))
    }
}

/// Counts open connections against the cap. At the cap, a new connection takes the place of the
/// connection idle longest (between requests, nothing pending: a keep-alive connection, or one that
/// never sent a byte), which is closed, as a server may close an idle connection at any time; only when
/// none is idle is the new one refused (503). So idle connections, however many are opened, cannot
/// keep `/healthz` or anyone else out; connections busy sending a request are bounded by the header
/// and body timeouts instead.
final class ConnectionGate: Sendable {
    private struct State {
        var open = 0
        var idle: [ObjectIdentifier: (channel: any Channel, since: UInt64)] = [:]
        var nextStamp: UInt64 = 0
    }

    let capacity: Int
    private let state = Mutex(State())
    private let metrics: SiftMetrics?

    init(capacity: Int, metrics: SiftMetrics?) {
        self.capacity = capacity
        self.metrics = metrics
        metrics?.recordConnectionCapacity(capacity)
    }

    /// Admits `channel` (counted until it closes), closing the longest-idle connection at the cap;
    /// false (a `connection_limit` rejection) when no connection is idle.
    func admit(_ channel: any Channel) -> Bool {
        let capacity = self.capacity
        let (admitted, evicted) = state.withLock { state -> (Bool, (any Channel)?) in
            if state.open < capacity {
                state.open += 1
                return (true, nil)
            }
            guard let oldest = state.idle.min(by: { $0.value.since < $1.value.since }) else { return (false, nil) }
            state.idle[oldest.key] = nil
            state.open += 1  // until the evicted one's close is counted
            return (true, oldest.value.channel)
        }
        if let evicted {
            metrics?.recordRejection(.idleEvicted)
            evicted.close(promise: nil)
        }
        guard admitted else {
            metrics?.recordRejection(.connectionLimit)
            return false
        }
        metrics?.recordConnectionDelta(1)
        let key = ObjectIdentifier(channel)
        channel.closeFuture.whenComplete { _ in
            self.state.withLock { state in
                state.open -= 1
                state.idle[key] = nil
            }
            self.metrics?.recordConnectionDelta(-1)
        }
        return true
    }

    /// Marks `channel` idle (between requests, nothing pending) or not.
    func setIdle(_ channel: any Channel, _ idle: Bool) {
        let key = ObjectIdentifier(channel)
        state.withLock { state in
            if idle {
                state.idle[key] = (channel, state.nextStamp)
                state.nextStamp &+= 1
            } else {
                state.idle[key] = nil
            }
        }
    }
}

extension Response {
    /// A typed JSON error from the connection level: `{"error": {"code", "message", "stage": "accepting", "retryable"}}`.
    static func connectionError(
        status: HTTPResponse.Status, code: String, message: String, id: String, retryable: Bool = false
    ) -> Response {
        var response = Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: ConnectionErrorBody.json(code: code, message: message, retryable: retryable))))
        response.headers[.requestID] = id
        return response
    }
}

/// The JSON of a connection-level error, in the envelope every error has.
enum ConnectionErrorBody {
    static func json(code: String, message: String, retryable: Bool) -> [UInt8] {
        EventEncoder().json(
            APIErrorBody.Wrapped(error: .init(code: code, message: message, stage: "accepting", retryable: retryable)))
    }
}

extension APIErrorBody {
    /// The envelope around an ``Inner`` built without a `QueryError`.
    struct Wrapped: Encodable {
        var error: Inner
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
