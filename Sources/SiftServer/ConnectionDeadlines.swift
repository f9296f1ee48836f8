import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import SiftCore
import SiftText

/// What ``ConnectionBytesHandler`` and ``ConnectionDeadlineHandler`` of one connection share (both run
/// on its event loop): the raw bytes handler tells the deadline handler that a request head has begun.
final class ConnectionDeadlineState {
    fileprivate weak var handler: ConnectionDeadlineHandler?
}

/// Sits before the HTTP decoder and reports that bytes arrived: the first byte of a request head
/// starts its header deadline, which the decoder (which says nothing until a head is complete) cannot tell.
final class ConnectionBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let state: ConnectionDeadlineState

    init(state: ConnectionDeadlineState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.handler?.bytesArrived()
        context.fireChannelRead(data)
    }
}

/// The deadlines of one HTTP/1.1 connection, and the typed answers to what the parser refuses.
///
/// Hummingbird's `HTTP1Channel.Configuration.idleTimeout` is one inactivity timer, reset by every
/// request part: it cannot tell a slow head from an idle keep-alive connection, and a body sent a
/// byte at a time never times out. So this handler keeps three:
/// - header: from a head's first byte to its end (slowloris);
/// - body: from the end of a head to the end of its body, whatever arrives meanwhile;
/// - idle: between requests, while no response is pending. A response being written (an event
///   stream) has no deadline here: its heartbeats are its liveness, and its reader's hang-up ends it.
/// A header or body timeout answers `408 request_timeout` when no response has begun, then closes;
/// an idle one closes. A head the parser refuses is answered `400 malformed_request` (`431
/// headers_too_large` for too large a head) with `Connection: close`, in the JSON error envelope
/// with an `X-Request-Id`, instead of Hummingbird's bare 400. A response that says `Connection: close`
/// closes the connection once written (output first, then the whole after a short linger, so the
/// response is not lost to a reset). On graceful shutdown, a connection still reading a request closes at once.
final class ConnectionDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum Inbound {
        /// No byte of a next request yet.
        case waiting
        /// Bytes of a head arrived; the head is not complete.
        case head
        /// A head arrived; its body has not ended.
        case body
    }

    private enum Deadline {
        case header, body, idle
    }

    private let limits: ConnectionLimits
    private let metrics: SiftMetrics?
    private let logger: Logger
    private let state: ConnectionDeadlineState
    private var context: ChannelHandlerContext?
    private var inbound = Inbound.waiting
    /// Requests whose response has not ended.
    private var pending = 0
    private var responseStarted = false
    private var closeAfterResponse = false
    private var closing = false
    private var timer: Scheduled<Void>?
    private let gate: ConnectionGate?
    /// Whether the gate knows this connection as idle.
    private var idle = false

    init(
        limits: ConnectionLimits, metrics: SiftMetrics?, logger: Logger, state: ConnectionDeadlineState = .init(),
        gate: ConnectionGate? = nil
    ) {
        self.limits = limits
        self.metrics = metrics
        self.logger = logger
        self.state = state
        self.gate = gate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        state.handler = self
        if context.channel.isActive { arm(.idle) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        state.handler = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(.idle)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    /// Bytes arrived before the decoder: the first of a head starts its deadline.
    fileprivate func bytesArrived() {
        guard inbound == .waiting, !closing else { return }
        inbound = .head
        arm(.header)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head:
            inbound = .body
            pending += 1
            arm(.body)
        case .body:
            break
        case .end:
            inbound = .waiting
            if pending > 0 { cancelTimer() } else { arm(.idle) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if closing {
            // This connection was answered here (a refusal) or is closing: nothing more goes out.
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.kind != .informational {
                responseStarted = true
                if head.headerFields[.connection]?.lowercased().contains(text: "close") == true { closeAfterResponse = true }
            }
        case .body:
            break
        case .end:
            responseStarted = false
            pending = max(0, pending - 1)
            if closeAfterResponse {
                let written = context.eventLoop.makePromise(of: Void.self)
                if let promise { written.futureResult.cascade(to: promise) }
                written.futureResult.assumeIsolated().whenComplete { _ in self.finish() }
                context.write(data, promise: written)
                return
            }
            if inbound == .waiting && pending == 0 { arm(.idle) }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let tooLarge: Bool
        switch error {
        case let parser as HTTPParserError: tooLarge = parser == .headerOverflow
        case is HTTP1TypeConversionError: tooLarge = false
        default:
            context.fireErrorCaught(error)
            return
        }
        metrics?.recordRejection(tooLarge ? .headersTooLarge : .malformedRequest)
        logger.debug("request refused by the HTTP parser", metadata: ["error": "\(error)"])
        if tooLarge {
            refuse(
                status: .init(code: 431), code: "headers_too_large",
                message: "The request head is larger than \(limits.maxHeaderBytes) bytes or has more than \(limits.maxHeaderCount) fields.")
        } else {
            refuse(
                status: .badRequest, code: "malformed_request",
                message: "The request is not valid HTTP/1.1 (\(String(describing: error).prefix(80))).")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, inbound != .waiting, !closing {
            // Shutting down: a request still arriving will not be served.
            closing = true
            context.close(promise: nil)
        } else if let event = event as? ChannelEvent, event == .inputClosed, closing {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Deadlines

    private func arm(_ deadline: Deadline) {
        cancelTimer()
        guard let context, !closing else { return }
        setIdle(deadline == .idle)
        let delay: Duration
        switch deadline {
        case .header: delay = limits.headerTimeout
        case .body: delay = limits.bodyTimeout
        case .idle: delay = limits.idleTimeout
        }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { self.expired(deadline) }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        setIdle(false)
    }

    /// Tells the gate whether this connection may be closed to make room (``ConnectionGate``).
    private func setIdle(_ isIdle: Bool) {
        guard isIdle != idle, let channel = context?.channel else { return }
        idle = isIdle
        gate?.setIdle(channel, isIdle)
    }

    private func expired(_ deadline: Deadline) {
        timer = nil
        guard let context, !closing else { return }
        switch deadline {
        case .idle:
            metrics?.recordRejection(.idleTimeout)
            closing = true
            context.close(promise: nil)
        case .header:
            metrics?.recordRejection(.headerTimeout)
            refuse(
                status: .requestTimeout, code: "request_timeout",
                message: "The request head did not arrive within \(limits.headerTimeout.components.seconds) seconds.")
        case .body:
            metrics?.recordRejection(.bodyTimeout)
            refuse(
                status: .requestTimeout, code: "request_timeout",
                message: "The request body did not arrive within \(limits.bodyTimeout.components.seconds) seconds.")
        }
    }

    /// Answers the request being read with a typed error and `Connection: close` when no other
    /// response is due before it, then closes; else only closes.
    private func refuse(status: HTTPResponse.Status, code: String, message: String) {
        guard let context, !closing else { return }
        cancelTimer()
        let ownPending = inbound == .body ? 1 : 0
        guard !responseStarted, pending <= ownPending else {
            closing = true
            context.close(promise: nil)
            return
        }
        let body = ByteBuffer(bytes: ConnectionErrorBody.json(code: code, message: message, retryable: false))
        let head = HTTPResponse(
            status: status,
            headerFields: [
                .contentType: "application/json; charset=utf-8", .cacheControl: "no-store", .connection: "close",
                .contentLength: "\(body.readableBytes)", .requestID: QueryID().rawValue,
            ])
        closing = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in self.finish() }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
    }

    /// After a `Connection: close` response: closes the output (the response is whole), then the
    /// connection once the client closes its side or after a second.
    private func finish() {
        guard let context else { return }
        closing = true
        cancelTimer()
        context.close(mode: .output, promise: nil)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
    }
}

/// The whole pipeline of a connection over the cap: answers `503 connection_limit` with
/// `Connection: close` at once, reads nothing, and closes.
final class OverCapacityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let capacity: Int
    private var answered = false

    init(capacity: Int) { self.capacity = capacity }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
    }

    private func answer(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let body = ConnectionErrorBody.json(
            code: "connection_limit",
            message: "siftd has \(capacity) connections open, its most (SIFT_MAX_CONNECTIONS); retry in a few seconds.",
            retryable: true)
        var buffer = ByteBuffer()
        buffer.writeString(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\ncache-control: no-store\r\n"
                + "retry-after: 2\r\nconnection: close\r\nx-request-id: \(QueryID().rawValue)\r\ncontent-length: \(body.count)\r\n\r\n")
        buffer.writeBytes(body)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: written)
    }
}
