import CompressNIO
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// How a replay server compresses its bodies.
public struct ReplayCompression: Sendable, Hashable {
    enum Mode: Sendable, Hashable { case whenAccepted, never, always }
    let mode: Mode

    /// gzip when the request's `Accept-Encoding` allows it, as the real services do.
    public static var whenAccepted: ReplayCompression { .init(mode: .whenAccepted) }
    /// Never compress.
    public static var never: ReplayCompression { .init(mode: .never) }
    /// Always gzip, even when the client did not ask: a misbehaving upstream, to test clients.
    public static var always: ReplayCompression { .init(mode: .always) }
}

enum ReplayHTTP {
    static let subscriptionToken = HTTPField.Name("X-Subscription-Token")!
    static let rateLimitLimit = HTTPField.Name("X-RateLimit-Limit")!
    static let rateLimitPolicy = HTTPField.Name("X-RateLimit-Policy")!
    static let rateLimitRemaining = HTTPField.Name("X-RateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-RateLimit-Reset")!

    /// Decodes `application/x-www-form-urlencoded` text (a query string or a form
    /// body): pairs split on `&`, `+` read as a space, percent escapes decoded as
    /// UTF-8 (invalid bytes become U+FFFD), a malformed escape kept literally.
    static func decodeForm(_ raw: some StringProtocol) -> [ReplayParameter] {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return ReplayParameter(
                    name: percentDecode(pair[..<equals]),
                    value: percentDecode(pair[pair.index(after: equals)...]))
            }
            return ReplayParameter(name: percentDecode(pair), value: "")
        }
    }

    static func percentDecode(_ text: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if iterator.count >= 2, let high = hexValue(iterator[iterator.startIndex]),
                    let low = hexValue(iterator[iterator.startIndex + 1])
                {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The query parameters of `request`, decoded as a form.
    static func queryParameters(of request: Request) -> [ReplayParameter] {
        request.uri.query.map { decodeForm($0) } ?? []
    }

    /// Whether an `Accept-Encoding` value allows gzip: a `gzip` (or `x-gzip`, or `*`)
    /// coding whose quality is not zero.
    static func acceptsGzip(_ acceptEncoding: String?) -> Bool {
        guard let acceptEncoding else { return false }
        for item in acceptEncoding.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingASCIISpaces().lowercased() }
            guard let coding = parts.first, ["gzip", "x-gzip", "*"].contains(coding) else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.map { String($0.dropFirst(2)) }
            if let quality, let value = Double(quality), value <= 0 { continue }
            return true
        }
        return false
    }

    /// Makes a response whose body is `body`, gzip-compressed when `compression` and the
    /// request say so (with `Content-Encoding: gzip` and `Vary: Accept-Encoding`).
    static func response(
        status: HTTPResponse.Status, contentType: String, headers: HTTPFields = [:], body: ByteBuffer,
        compression: ReplayCompression, request: Request
    ) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        var body = body
        let compress: Bool =
            switch compression.mode {
            case .never: false
            case .always: true
            case .whenAccepted: acceptsGzip(request.headers[.acceptEncoding])
            }
        if compression.mode != .never {
            headers[.vary] = "Accept-Encoding"
        }
        if compress, let compressed = try? body.compress(with: .gzip()) {
            body = compressed
            headers[.contentEncoding] = "gzip"
        }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    static func json(_ value: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every wire type here is a plain tree of strings, numbers and arrays: it cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    /// A 200 whose chunked body stops after a few bytes with the connection closed, as
    /// when a connection is reset mid-response.
    static func resetResponse() -> Response {
        struct ConnectionReset: Error {}
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "{\"type\":\"search\",\"web\":{\"results\":["))
            throw ConnectionReset()
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    /// A 200 whose body sends nothing for `duration`: a client's timeout should fire first.
    static func stalledResponse(_ duration: Duration) -> Response {
        let body = ResponseBody { writer in
            try await Task.sleep(for: duration)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    /// The kind of page a reverse proxy in front of a service sends for an upstream failure.
    static func gatewayErrorPage(_ status: HTTPResponse.Status) -> ByteBuffer {
        let line = "\(status.code) \(status.reasonPhrase)"
        return ByteBuffer(
            string: "<html>\r\n<head><title>\(line)</title></head>\r\n<body>\r\n<center><h1>\(line)</h1></center>\r\n</body>\r\n</html>\r\n")
    }

    /// Escapes text for HTML the way Python's `html.escape` does (`&`, `<`, `>`, `"`, `'`).
    static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#x27;"
            default: out.append(character)
            }
        }
        return out
    }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}

extension Duration {
    /// Whole seconds, rounded up; never negative.
    var ceilingSeconds: Int64 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        return attoseconds > 0 ? seconds + 1 : seconds
    }
}
