import FoundationEssentials
import MCP

/// What the `/mcp` endpoint and its transport need to know of one JSON-RPC message to route it:
/// whether it is a request (and its id), a notification or a response, and the few parameters
/// that tie messages together (a request's progress token, the request a `notifications/cancelled`
/// names). The SDK's ``Server`` decodes the message again, in full, to answer it.
struct MCPEnvelope: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case request(ID, method: String)
        case notification(method: String)
        case response(ID)
    }

    var kind: Kind
    /// A request's `params._meta.progressToken`, or a progress notification's `params.progressToken`.
    var progressToken: ProgressToken?
    /// The request a `notifications/cancelled` cancels.
    var cancelledRequest: ID?

    /// Reads `data`: one JSON-RPC 2.0 message. Throws a parse error for text that is not JSON, an
    /// invalid-request error for JSON that is no JSON-RPC message, and for a batch (an array),
    /// which protocol 2025-06-18 removed and this server does not take.
    init(_ data: some Collection<UInt8>) throws(MCPError) {
        guard let first = data.first(where: { !Self.isWhitespace($0) }) else {
            throw .parseError("The body is empty: send one JSON-RPC message.")
        }
        if first == UInt8(ascii: "[") {
            throw .invalidRequest("JSON-RPC batches are not supported: send one message per request.")
        }
        guard first == UInt8(ascii: "{") else {
            throw .parseError("The body is not a JSON object: send one JSON-RPC message.")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(data))
        } catch let error as MCPError {
            throw error
        } catch {
            throw .parseError("The body is not valid JSON.")
        }
        guard wire.jsonrpc == "2.0" else { throw .invalidRequest(#"The message must have "jsonrpc": "2.0"."#) }
        if let method = wire.method {
            guard !method.isEmpty else { throw .invalidRequest("The method name is empty.") }
            if wire.hasID {
                guard let id = wire.id else { throw .invalidRequest("A request id must be a string or an integer, not null.") }
                kind = .request(id, method: method)
                progressToken = wire.params?.meta?.progressToken
            } else {
                kind = .notification(method: method)
                progressToken = wire.params?.progressToken
                if method == CancelledNotification.name { cancelledRequest = wire.params?.requestId }
            }
        } else if wire.hasResult || wire.hasError {
            guard let id = wire.id else { throw .invalidRequest("A response must carry the id of its request.") }
            kind = .response(id)
        } else {
            throw .invalidRequest(#"The message has neither "method" nor "result" nor "error"."#)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// The fields read; anything else is the SDK's to decode.
    private struct Wire: Decodable {
        var jsonrpc: String?
        var id: ID?
        var hasID = false
        var method: String?
        var params: Params?
        var hasResult = false
        var hasError = false

        enum CodingKeys: String, CodingKey { case jsonrpc, id, method, params, result, error }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            jsonrpc = try? container.decodeIfPresent(String.self, forKey: .jsonrpc)
            hasID = container.contains(.id)
            if hasID, !(try container.decodeNil(forKey: .id)) {
                guard let id = try? container.decode(ID.self, forKey: .id) else {
                    throw MCPError.invalidRequest("A request id must be a string or an integer.")
                }
                self.id = id
            }
            if container.contains(.method) {
                guard let method = try? container.decode(String.self, forKey: .method) else {
                    throw MCPError.invalidRequest("The method must be a string.")
                }
                self.method = method
            }
            // Parameters of another shape are the SDK's to refuse; routing only needs these few.
            params = try? container.decodeIfPresent(Params.self, forKey: .params)
            hasResult = container.contains(.result)
            hasError = container.contains(.error)
        }
    }

    private struct Params: Decodable {
        struct Meta: Decodable { var progressToken: ProgressToken? }
        var meta: Meta?
        var progressToken: ProgressToken?
        var requestId: ID?

        enum CodingKeys: String, CodingKey {
            case meta = "_meta"
            case progressToken, requestId
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            meta = try? container.decodeIfPresent(Meta.self, forKey: .meta)
            progressToken = try? container.decodeIfPresent(ProgressToken.self, forKey: .progressToken)
            requestId = try? container.decodeIfPresent(ID.self, forKey: .requestId)
        }
    }
}

/// JSON as the SDK's server writes it: slashes unescaped.
enum MCPJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}
