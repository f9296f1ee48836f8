#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

/// `CLOCK_MONOTONIC` in nanoseconds: the same clock in every process on this machine.
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// What one streamed request measured, in milliseconds from the start of the connect.
struct StreamResult: Sendable {
    var status = 0
    var firstStatus: Double?
    var firstSource: Double?
    var firstDelta: Double?
    var total: Double?
    var events = 0
    var done = 0
    /// `delta` events, and when the first and last arrived (`CLOCK_MONOTONIC`, ns), to compare with an upstream's clock.
    var deltas = 0
    var firstDeltaMonotonicNs: UInt64?
    var lastDeltaMonotonicNs: UInt64?
    /// `tokens` of the `metrics` event: the answer's tokens as the model counted them.
    var answerTokens: Int?
    /// The client stopped on purpose at the `--stop-after` event.
    var stoppedEarly = false
    var error: String?

    /// Whether the stream did what was asked: ended with one `done`, or reached the stop event.
    var succeeded: Bool { error == nil && status == 200 && (done == 1 || stoppedEarly) }
}

/// Reads one SSE response, timing the first event of each type.
final class SSEClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let path: String
    private let start: ContinuousClock.Instant
    private let finished: EventLoopPromise<StreamResult>
    private let firstEvent: EventLoopPromise<Void>?
    private let stopAfter: String?
    private var result = StreamResult()
    private var line: [UInt8] = []
    private var lastType = ""
    private var completed = false

    /// The whole number after `key` in `bytes`, if any.
    static func integer(after key: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count > key.count else { return nil }
        for start in 0...(bytes.count - key.count) where bytes[start..<start + key.count].elementsEqual(key) {
            var value = 0
            var index = start + key.count
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        return nil
    }

    init(
        host: String, path: String, start: ContinuousClock.Instant, finished: EventLoopPromise<StreamResult>,
        firstEvent: EventLoopPromise<Void>?, stopAfter: String?
    ) {
        self.stopAfter = stopAfter
        self.host = host
        self.path = path
        self.start = start
        self.finished = finished
        self.firstEvent = firstEvent
    }

    private func elapsed() -> Double {
        let (seconds, attoseconds) = start.duration(to: .now).components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Accept", value: "text/event-stream")
        head.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            result.status = Int(head.status.code)
        case .body(let buffer):
            for byte in buffer.readableBytesView {
                if byte == UInt8(ascii: "\n") {
                    handleLine(context: context)
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(byte)
                }
            }
        case .end:
            complete(context: context)
        }
    }

    private func handleLine(context: ChannelHandlerContext) {
        let prefix = Array("event: ".utf8)
        if lastType == "metrics", line.starts(with: Array("data: ".utf8)) {
            result.answerTokens = Self.integer(after: Array("\"tokens\":".utf8), in: line)
        }
        guard line.starts(with: prefix) else { return }
        let type = String(decoding: line[prefix.count...], as: UTF8.self)
        lastType = type
        result.events += 1
        let now = elapsed()
        if result.events == 1 { firstEvent?.succeed(()) }
        switch type {
        case "status" where result.firstStatus == nil: result.firstStatus = now
        case "source" where result.firstSource == nil: result.firstSource = now
        case "delta":
            let monotonic = monotonicNanoseconds()
            if result.firstDelta == nil {
                result.firstDelta = now
                result.firstDeltaMonotonicNs = monotonic
            }
            result.lastDeltaMonotonicNs = monotonic
            result.deltas += 1
        case "done":
            result.done += 1
            result.total = now
        default: break
        }
        if type == stopAfter {
            result.stoppedEarly = true
            complete(context: context)
        }
    }

    private func complete(context: ChannelHandlerContext) {
        guard !completed else { return }
        completed = true
        if result.events == 0 { firstEvent?.fail(ChannelError.eof) }
        finished.succeed(result)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        complete(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.error = "\(error)"
        complete(context: context)
    }
}

/// Opens one streamed request; returns when the stream has started (first event) and a future for its end.
struct SSEClient: Sendable {
    let group: MultiThreadedEventLoopGroup
    let host: String
    let port: Int

    func open(path: String, waitForFirstEvent: Bool, stopAfter: String? = nil) async throws -> (channel: any Channel, result: EventLoopFuture<StreamResult>) {
        let loop = group.next()
        let finished = loop.makePromise(of: StreamResult.self)
        let first = waitForFirstEvent ? loop.makePromise(of: Void.self) : nil
        let start = ContinuousClock.now
        let host = self.host
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        SSEClientHandler(
                            host: host, path: path, start: start, finished: finished, firstEvent: first,
                            stopAfter: stopAfter))
                }
            }
            .connect(host: host, port: port).get()
        if let first { try await first.futureResult.get() }
        return (channel, finished.futureResult)
    }

    /// Streams `path` to the end, or until the `stopAfter` event.
    func run(path: String, stopAfter: String? = nil) async -> StreamResult {
        do {
            let (_, result) = try await open(path: path, waitForFirstEvent: false, stopAfter: stopAfter)
            return try await result.get()
        } catch {
            var failed = StreamResult()
            failed.error = "\(error)"
            return failed
        }
    }
}
