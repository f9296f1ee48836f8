import NIOCore
import NIOPosix

/// An HTTP/1.1 response read off a raw loopback connection (the body de-chunked).
struct RawResponse: Sendable {
    var status = 0
    var headers: [String: String] = [:]
    var body = ""
    /// Whether the whole body arrived (last chunk, or all of Content-Length).
    var complete = false

    var frames: [Frame] { parseSSE(body).frames }
}

/// A raw HTTP client over real loopback TCP: one request per connection (`Connection: close`),
/// readable part way, so a test can hang up in mid-stream as a browser does.
enum Loopback {
    /// Sends one request and reads the response until the server closes, or until `enough`
    /// says so; then closes the connection.
    static func exchange(
        port: Int, _ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil,
        until enough: @escaping @Sendable (RawResponse) -> Bool = { _ in false }
    ) async throws -> RawResponse {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            if let body { head += "Content-Length: \(body.utf8.count)\r\n" }
            try await outbound.write(ByteBuffer(string: head + "\r\n" + (body ?? "")))
            var raw: [UInt8] = []
            for try await chunk in inbound {
                raw += chunk.readableBytesView
                if let response = parse(raw), enough(response) { return response }
            }
            return parse(raw) ?? RawResponse()
        }
    }

    /// Parses what has arrived so far; nil until the head is complete.
    static func parse(_ raw: [UInt8]) -> RawResponse? {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else { return nil }
        var response = RawResponse()
        let lines = String(decoding: raw[..<end], as: UTF8.self).split(separator: "\r\n")
        response.status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            response.headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
        }
        var body = Array(raw[(end + 4)...])
        if response.headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            while let lineEnd = body.indices.first(where: { body[$0...].starts(with: [13, 10]) }),
                let size = Int(String(decoding: body[..<lineEnd], as: UTF8.self), radix: 16),
                body.count >= lineEnd + 2 + size + 2
            {
                if size == 0 {
                    response.complete = true
                    break
                }
                decoded += body[(lineEnd + 2)..<(lineEnd + 2 + size)]
                body.removeFirst(lineEnd + 2 + size + 2)
            }
            body = decoded
        } else if let length = response.headers["content-length"].flatMap({ Int($0) }) {
            response.complete = body.count >= length
            body = Array(body.prefix(length))
        }
        response.body = String(decoding: body, as: UTF8.self)
        return response
    }
}
