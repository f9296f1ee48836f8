import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiftCore
import Testing

@testable import SiftServer

/// The contract (docs/openapi.json) against the server: the same routes, the same vocabulary.
///
/// A route added to ``SiftRoutes/router()`` without a path in docs/openapi.json fails
/// `everyRouteIsInTheContractAndBack`, and so does a path left in the contract after its route
/// went. To add a route: add its path item to docs/openapi.json (under `paths`, with a tag),
/// run scripts/gen-openapi-swift.py, and run `swift test --filter OpenAPIContractTests`.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    /// Any JSON value, to read the contract without a schema of its own.
    enum JSON: Decodable, Equatable {
        case object([String: JSON]), array([JSON]), string(String), number(Double), bool(Bool), null

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

        subscript(_ key: String) -> JSON? {
            if case .object(let fields) = self { return fields[key] }
            return nil
        }

        var object: [String: JSON] {
            if case .object(let fields) = self { return fields }
            return [:]
        }

        var strings: [String] {
            guard case .array(let items) = self else { return [] }
            return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
    }

    static let contract: JSON = {
        // The literal is docs/openapi.json itself, which scripts/gen-openapi-swift.py refuses unless it is JSON.
        try! JSONDecoder().decode(JSON.self, from: Data(OpenAPIContract.json.utf8))
    }()

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// `METHOD /path` for every operation of the contract.
    static var contractOperations: Set<String> {
        var operations = Set<String>()
        for (path, item) in contract["paths"]?.object ?? [:] {
            for method in item.object.keys where methods.contains(method) {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// `METHOD /path` for every route the router serves, with `{name}` for a parameter as in OpenAPI.
    static var routerOperations: Set<String> {
        let (routes, _, _) = makeRoutes(runner: ScriptedRunner.answering())
        return Set(routes.router().routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    @Test func everyRouteIsInTheContractAndBack() {
        let served = Self.routerOperations
        let described = Self.contractOperations
        #expect(!served.isEmpty)
        let undescribed = served.subtracting(described).sorted()
        let unserved = described.subtracting(served).sorted()
        #expect(
            undescribed.isEmpty,
            "served but not in docs/openapi.json: \(undescribed). Add a path item for each, then run scripts/gen-openapi-swift.py.")
        #expect(
            unserved.isEmpty,
            "in docs/openapi.json but not served by SiftRoutes.router(): \(unserved). Remove them, or add the routes.")
    }

    @Test func theServedContractIsTheRepositoryFile() throws {
        // Tests/SiftServerTests/<this file> → the repository root.
        let root = String(#filePath.dropLast("Tests/SiftServerTests/OpenAPIContractTests.swift".count))
        let file = try TextFile.read(root + "docs/openapi.json")
        #expect(file == OpenAPIContract.json, "OpenAPIContract+JSON.swift is out of date: run scripts/gen-openapi-swift.py")
    }

    @Test func theContractIsOpenAPI31WithEveryOperationNamed() {
        #expect(Self.contract["openapi"] == .string("3.1.0"))
        var operationIDs = [String]()
        for (_, item) in Self.contract["paths"]?.object ?? [:] {
            for (method, operation) in item.object where Self.methods.contains(method) {
                if case .string(let id) = operation["operationId"] { operationIDs.append(id) }
                #expect(operation["responses"] != nil)
            }
        }
        #expect(operationIDs.count == Self.contractOperations.count)
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are unique")
    }

    // MARK: The vocabulary

    static func schema(_ name: String) -> JSON? { contract["components"]?["schemas"]?[name] }

    @Test func everyEventTypeHasAFrameAndADataSchema() {
        let mapping = Self.schema("ServerSentEvent")?["discriminator"]?["mapping"]?.object ?? [:]
        #expect(Set(mapping.keys) == Set(PipelineEvent.EventType.allCases.map(\.rawValue)))
        for type in PipelineEvent.EventType.allCases {
            let name = type.rawValue.prefix(1).uppercased() + type.rawValue.dropFirst()
            let data = Self.schema("\(name)Event")
            #expect(data != nil, "no \(name)Event schema")
            #expect(data?["required"]?.strings.contains("elapsed_ms") == true)
            #expect(Self.schema("\(name)Frame")?["properties"]?["event"]?["const"] == .string(type.rawValue))
        }
    }

    @Test func enumsMatchTheDomain() {
        func values(_ schema: JSON?) -> Set<String> { Set(schema?["enum"]?.strings ?? []) }
        #expect(values(Self.schema("Stage")) == Set(Stage.allCases.map(\.rawValue)))
        #expect(values(Self.schema("Outcome")) == Set(PipelineEvent.Outcome.allCases.map(\.rawValue)))
        #expect(values(Self.schema("QueryEvent")?["properties"]?["kind"]) == Set(QueryKind.allCases.map(\.rawValue)))
        #expect(
            values(Self.schema("FetchEvent")?["properties"]?["state"])
                == Set(PipelineEvent.Fetch.State.allCases.map(\.rawValue)))
        #expect(
            values(Self.schema("LaneEvent")?["properties"]?["state"])
                == Set(PipelineEvent.Lane.State.allCases.map(\.rawValue)))
        let frame = Self.schema("QuestionFrame")?["properties"]
        #expect(values(frame?["relation"]) == Set(QuestionFrame.Relation.allCases.map(\.rawValue)))
        #expect(values(frame?["answer_type"]) == Set(QuestionFrame.AnswerType.allCases.map(\.rawValue)))
    }

    @Test func everyErrorCodeIsInTheContract() {
        let codes = Set(Self.schema("ErrorCode")?["enum"]?.strings ?? [])
        let missing = Set(QueryError.allCodes).subtracting(codes)
        #expect(missing.isEmpty, "error codes missing from ErrorCode in docs/openapi.json: \(missing.sorted())")
        // The routing and connection-level errors are not QueryErrors.
        #expect(
            codes.subtracting(QueryError.allCodes) == [
                "not_found", "method_not_allowed", "host_not_allowed", "origin_not_allowed", "unsupported_media_type",
                "headers_too_large", "malformed_request", "request_timeout", "connection_limit",
            ])
    }

    // MARK: Serving it, and the answers to unmatched requests

    func app() -> some ApplicationProtocol {
        let (routes, _, _) = makeRoutes(runner: ScriptedRunner.answering())
        return Application(router: routes.router(), services: [routes.queries], logger: testLogger())
    }

    @Test func getOpenAPIServesTheContract() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(String(buffer: response.body) == OpenAPIContract.json)
            }
        }
    }

    @Test func aServedPathAskedWithAnotherMethodIs405WithAllow() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/answer", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
                #expect(String(buffer: response.body).contains(#""code":"method_not_allowed""#))
            }
            try await client.execute(uri: "/v1/queries/0123456789abcdef", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "DELETE")
            }
            try await client.execute(uri: "/v1/queries/abc/events", method: .post) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
            }
        }
    }

    @Test func anUnknownPathIsATyped404() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v2/nothing?q=x", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains(#""code":"not_found""#))
                #expect(body.contains(#""stage":"accepting""#))
            }
        }
    }
}
