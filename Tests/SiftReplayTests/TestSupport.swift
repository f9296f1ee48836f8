import CompressNIO
import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A parsed JSON document, for asserting on the exact shape of a replay's body.
enum JSON: Decodable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    static func parse(_ buffer: ByteBuffer) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(buffer.readableBytesView))
    }

    subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    subscript(index: Int) -> JSON? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    var int: Int? { number.map { Int($0) } }

    var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    var array: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    var keys: Set<String> {
        if case .object(let object) = self { return Set(object.keys) }
        return []
    }
}

extension TestResponse {
    func json() throws -> JSON { try JSON.parse(body) }

    var text: String { String(buffer: body) }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }

    /// The body, gunzipped.
    func gunzipped() throws -> ByteBuffer {
        var body = body
        return try body.decompress(with: .gzip())
    }
}

func fields(_ pairs: [String: String]) -> HTTPFields {
    var fields = HTTPFields()
    for (name, value) in pairs { fields[HTTPField.Name(name)!] = value }
    return fields
}

/// Runs `body` against `router` through HummingbirdTesting's in-process router client.
func withRouterClient<Value: Sendable>(
    _ router: Router<BasicRequestContext>, _ body: @Sendable (any TestClientProtocol) async throws -> Value
) async throws -> Value {
    try await Application(router: router).test(.router, body)
}

/// Whether `text` looks like a lower-case UUID (8-4-4-4-12 hex digits).
func isUUID(_ text: String) -> Bool {
    let groups = text.split(separator: "-", omittingEmptySubsequences: false)
    return groups.map(\.count) == [8, 4, 4, 4, 12]
        && text.allSatisfy { $0 == "-" || ("0"..."9").contains($0) || ("a"..."f").contains($0) }
}

/// `base` with the header `name` set to `value` (removed when nil).
func changing(_ base: HTTPFields, _ name: String, to value: String?) -> HTTPFields {
    var fields = base
    fields[HTTPField.Name(name)!] = value
    return fields
}
