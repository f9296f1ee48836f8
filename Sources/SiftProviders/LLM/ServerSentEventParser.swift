/// One event of a `text/event-stream` body.
struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; `message` when the event named none.
    var type: String
    /// The `data:` lines, joined with `\n`.
    var data: String
    /// The last `id:` seen in the stream so far, if any.
    var id: String?

    init(type: String = "message", data: String, id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }
}

/// An incremental parser of the `text/event-stream` format (the HTML standard's
/// "Server-sent events" parsing rules), fed bytes as they arrive.
///
/// Bytes may be split anywhere, inside a UTF-8 sequence or a `\r\n` pair included:
/// lines are kept as bytes until their end is seen and decoded only then. Lines end
/// with `\n`, `\r\n` or `\r`; a blank line dispatches the event; `data:` lines are joined
/// with `\n`; lines starting with `:` are comments; a single space after the colon is
/// dropped; unknown fields and `retry:` are ignored; a leading byte order mark is
/// skipped. An event with no `data:` line is not dispatched.
///
/// One event (its data plus the line being read) may hold at most `maxEventBytes`;
/// beyond that `parse` throws, so a server that never ends a line cannot grow memory
/// without bound.
struct ServerSentEventParser {
    /// An event, or a single line, larger than the limit.
    struct EventTooLarge: Error, Equatable {
        /// The limit that was passed, in bytes.
        var limit: Int
    }

    /// The most bytes one event may hold.
    let maxEventBytes: Int

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var lastID: String?
    /// The previous chunk ended with `\r`: a `\n` starting the next one belongs to it.
    private var afterCarriageReturn = false
    private var atStreamStart = true

    /// A parser holding at most `maxEventBytes` for one event (1 MiB by default).
    init(maxEventBytes: Int = 1 << 20) {
        self.maxEventBytes = max(1, maxEventBytes)
    }

    /// Consumes `bytes` and returns the events they complete, in order.
    mutating func parse(_ bytes: [UInt8]) throws(EventTooLarge) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        var index = bytes.startIndex
        if afterCarriageReturn, index < bytes.endIndex {
            afterCarriageReturn = false
            if bytes[index] == Self.lineFeed { index += 1 }
        }
        while index < bytes.endIndex {
            guard
                let end = bytes[index...].firstIndex(where: { $0 == Self.lineFeed || $0 == Self.carriageReturn })
            else {
                try append(bytes[index...])
                break
            }
            try append(bytes[index..<end])
            if let event = endLine() { events.append(event) }
            index = end + 1
            if bytes[end] == Self.carriageReturn {
                if index == bytes.endIndex {
                    afterCarriageReturn = true
                } else if bytes[index] == Self.lineFeed {
                    index += 1
                }
            }
        }
        return events
    }

    /// Ends the stream. Lenient where the standard discards: a last line without its
    /// line end is read, and an event whose blank line never came is returned.
    mutating func finish() -> ServerSentEvent? {
        afterCarriageReturn = false
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>) throws(EventTooLarge) {
        guard !bytes.isEmpty else { return }
        guard line.count + bytes.count + data.count <= maxEventBytes else {
            throw EventTooLarge(limit: maxEventBytes)
        }
        line.append(contentsOf: bytes)
    }

    /// Interprets the line read so far; returns the event a blank line dispatches.
    private mutating func endLine() -> ServerSentEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStreamStart {
            atStreamStart = false
            if line.starts(with: Self.byteOrderMark) { line.removeFirst(Self.byteOrderMark.count) }
        }
        guard let first = line.first else { return dispatch() }
        if first == Self.colon { return nil }
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: Self.colon) {
            name = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == Self.space { value = value.dropFirst() }
        } else {
            name = line[...]
            value = []
        }
        switch String(decoding: name, as: UTF8.self) {
        case "data":
            if hasData { data.append(Self.lineFeed) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastID = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry` and unknown fields
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            eventType = nil
        }
        guard hasData else { return nil }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
        return ServerSentEvent(type: type, data: String(decoding: data, as: UTF8.self), id: lastID)
    }

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let colon = UInt8(ascii: ":")
    private static let space = UInt8(ascii: " ")
    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
}
