import FoundationEssentials
import NIOCore
import SiftCore

/// Encodes events and API documents as JSON, and events as SSE frames.
///
/// SSE framing (docs/api.md): `id: <seq>`, `event: <type>`, one `data:` line of
/// JSON, then a blank line. JSON never contains a raw newline, so one `data:`
/// line always suffices.
public struct EventEncoder: Sendable {
    public init() {}

    /// One encoder for every event: its options are set once, and `encode` keeps no state between calls.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    /// The JSON object of `value`.
    public func json(_ value: some Encodable) -> [UInt8] {
        do {
            return Array(try Self.encoder.encode(value))
        } catch {
            // Our event types always encode; this would be a programming error.
            return Array(#"{"error":{"code":"internal","message":"encoding failed"}}"#.utf8)
        }
    }

    /// One SSE frame for `event` with sequence number `id`.
    public func frame(_ event: PipelineEvent, id: Int, into buffer: inout ByteBuffer) {
        buffer.writeString("id: \(id)\nevent: \(event.type.rawValue)\ndata: ")
        buffer.writeBytes(json(event))
        buffer.writeString("\n\n")
    }

    /// The heartbeat comment frame.
    public static let heartbeat = ": ping\n\n"
}

/// Decodes the JSON of an SSE `data:` line back into its event, given the `event:` type.
enum EventDecoder {
    private static let typeKey = CodingUserInfoKey(rawValue: "sift.event-type")!

    private struct Typed: Decodable {
        var event: PipelineEvent

        init(from decoder: any Decoder) throws {
            guard let type = decoder.userInfo[EventDecoder.typeKey] as? PipelineEvent.EventType else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no event type given"))
            }
            event = try PipelineEvent(type: type, from: decoder)
        }
    }

    /// The event of `type` whose data is `json`; nil when it does not decode.
    static func decode(type: PipelineEvent.EventType, json: [UInt8]) -> PipelineEvent? {
        let decoder = JSONDecoder()
        decoder.userInfo[typeKey] = type
        return try? decoder.decode(Typed.self, from: Data(json)).event
    }
}
