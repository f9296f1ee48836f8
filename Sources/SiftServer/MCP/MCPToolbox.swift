import FoundationEssentials
import Logging
import MCP
import SiftCore
import SiftText

/// `tools/call` with its parameters read leniently (``Value``), so that a malformed call gets a
/// clear invalid-params error rather than the SDK's generic decoding failure.
enum SiftCallTool: MCP.Method {
    static let name = CallTool.name
    typealias Parameters = Value
    typealias Result = CallTool.Result
}

/// Runs siftd's MCP tools. `sift_answer` and `sift_search` admit a query into the query machine
/// (``QueryService``), like every HTTP route, and read its log; `sift_fetch` reads one page
/// through the page reader, under the same private-address guard as the pipeline's pages.
///
/// Bad arguments are JSON-RPC invalid-params errors; a query or a page that fails is a tool
/// result with `isError`, which the model can read and act on.
struct MCPToolbox: Sendable {
    let runner: any QueryRunning
    let queries: QueryService
    let pageReader: (any PageFetcher)?
    let clock: ServerClock
    /// Longest time between two progress notifications of a running tool (when the client asked for them).
    let progressInterval: Duration
    let logger: Logger
    /// The API key of the session's requests (keys required); nil when keys are off.
    var caller: APIKeyRecord? = nil

    /// Calls the tool `parameters` names. Cancelling the task (the client's `notifications/cancelled`,
    /// or its connection closing) cancels the query.
    func call(_ parameters: Value, transport: MCPSessionTransport) async throws -> CallTool.Result {
        guard let object = parameters.objectValue else {
            throw MCPError.invalidParams(#"tools/call takes {"name": …, "arguments": {…}}."#)
        }
        guard let name = object["name"]?.stringValue else {
            throw MCPError.invalidParams(#"tools/call needs "name", a string: sift_answer, sift_search or sift_fetch."#)
        }
        let arguments: [String: Value]
        switch object["arguments"] {
        case nil, .null?: arguments = [:]
        case .object(let value)?: arguments = value
        default: throw MCPError.invalidParams(#""arguments" must be an object."#)
        }
        let meta = object["_meta"]?.objectValue
        let token: ProgressToken? =
            switch meta?["progressToken"] {
            case .string(let text)?: .string(text)
            case .int(let number)?: .integer(number)
            default: nil
            }
        let reporter = MCPProgress(token: token, transport: transport)
        guard MCPTools.all.contains(where: { $0.name == name }) else {
            throw MCPError.invalidParams("Unknown tool \(name): siftd has sift_answer, sift_search and sift_fetch.")
        }
        // Arguments that do not fit the tool's input schema are the tool's error, which the model reads
        // and can correct (protocol 2025-11-25); the call itself was well formed.
        let parsed: ParsedCall
        do throws(MCPError) {
            parsed = try ParsedCall(name, arguments)
        } catch {
            return Self.toolError(error.errorDescription ?? "\(error)")
        }
        switch parsed {
        case .answer(let question, let session, let controls):
            return try await answer(question: question, session: session, controls: controls, progress: reporter)
        case .search(let query, let limit, let controls):
            return try await search(query: query, maxPassages: limit, controls: controls, progress: reporter)
        case .fetch(let url, let limit): return try await fetch(url: url, maxCharacters: limit)
        }
    }

    /// A call's arguments, checked against its tool's input schema.
    enum ParsedCall: Equatable {
        case answer(question: String, session: String?, controls: SearchControls)
        case search(query: String, maxPassages: Int?, controls: SearchControls)
        case fetch(url: String, maxCharacters: Int)

        init(_ tool: String, _ values: [String: Value]) throws(MCPError) {
            let controlNames = Set(MCPTools.controlArguments.keys)
            switch tool {
            case MCPTools.answer:
                let arguments = try Arguments(values, tool: tool, known: controlNames.union(["question", "session"]))
                self = .answer(
                    question: try arguments.text("question", required: true) ?? "", session: try arguments.text("session"),
                    controls: try arguments.controls())
            case MCPTools.search:
                let arguments = try Arguments(values, tool: tool, known: controlNames.union(["query", "max_passages"]))
                self = .search(
                    query: try arguments.text("query", required: true) ?? "",
                    maxPassages: try arguments.integer("max_passages", in: 1...50), controls: try arguments.controls())
            default:
                let arguments = try Arguments(values, tool: tool, known: ["url", "max_chars"])
                let url = try arguments.text("url", required: true) ?? ""
                guard URLNormalizer.isHTTP(url) else { throw .invalidParams("\(tool): url must be an http:// or https:// URL.") }
                self = .fetch(url: url, maxCharacters: try arguments.integer("max_chars", in: 100...200_000) ?? 20_000)
            }
        }
    }

    // MARK: sift_answer

    func answer(question: String, session: String?, controls: SearchControls, progress: MCPProgress) async throws
        -> CallTool.Result
    {
        let log: QueryLog
        do throws(QueryError) {
            let prepared = try await runner.prepare(
                QueryRequest(bytes: Array(question.utf8), session: session, controls: controls))
            log = try await queries.admit(id: QueryID(), prepared: prepared, resumable: false, caller: caller)
        } catch {
            return Self.failure(error)
        }
        let document = try await follow(log, progress: progress)
        let output = MCPAnswerOutput(document)
        return try CallTool.Result(
            content: [.text(text: output.text, annotations: nil, _meta: nil)], structuredContent: output,
            isError: document.outcome == .complete ? nil : true)
    }

    // MARK: sift_search

    /// A search is the query machine's pipeline without synthesis: the query ends after `ranked`,
    /// complete, and keeps no session turn.
    func search(query: String, maxPassages: Int?, controls: SearchControls, progress: MCPProgress) async throws
        -> CallTool.Result
    {
        let log: QueryLog
        do throws(QueryError) {
            var prepared = try await runner.prepare(QueryRequest(bytes: Array(query.utf8), controls: controls))
            prepared.context.synthesize = false
            prepared.context.session = nil
            log = try await queries.admit(id: QueryID(), prepared: prepared, resumable: false, caller: caller)
        } catch {
            return Self.failure(error)
        }
        let document = try await follow(log, progress: progress)
        let output = MCPSearchOutput(document, limit: maxPassages)
        // No source matched is an answer to a search: nothing found.
        let failed = document.outcome != .complete && document.error?.code != QueryError.noSources("").code
        return try CallTool.Result(
            content: [.text(text: output.text, annotations: nil, _meta: nil)], structuredContent: output,
            isError: failed ? true : nil)
    }

    // MARK: sift_fetch

    func fetch(url: String, maxCharacters: Int) async throws -> CallTool.Result {
        guard let pageReader else {
            return Self.toolError("sift_fetch is not available on this siftd (no page reader).")
        }
        do {
            let page = try await pageReader.fetch(url)
            let output = MCPFetchOutput(page, maxCharacters: maxCharacters)
            return try CallTool.Result(content: [.text(text: output.rendered, annotations: nil, _meta: nil)], structuredContent: output)
        } catch let failure as FetchFailure {
            try Task.checkCancellation()
            logger.info("sift_fetch refused or failed", metadata: ["code": "\(failure.code)"])
            return Self.toolError("Could not read \(url): \(failure.reason) (\(failure.code)).")
        }
    }

    // MARK: Reading a query's log

    /// Folds the query's log into its answer document, sending progress when a stage starts and at least
    /// every ``progressInterval`` (when the client gave a progress token). Leaving early (a cancelled
    /// task) leaves the log, which cancels the query when this was its last reader.
    func follow(_ log: QueryLog, progress: MCPProgress) async throws -> AnswerDocument {
        var cursor = QueryLogCursor(log: log, after: 0, droppable: false)
        defer { cursor.close() }
        var document = AnswerDocument(id: log.id)
        document.session = log.session
        let ping = cursor.heartbeat
        let clock = self.clock
        let interval = progressInterval
        var sent = 0
        var lastSent = clock.now
        var stage = "Starting"
        try await withThrowingTaskGroup(of: Void.self) { group in
            if progress.isRequested {
                group.addTask {
                    while (try? await clock.sleep(for: interval)) != nil { ping() }
                }
            }
            defer { group.cancelAll() }
            while let delivery = try await cursor.next() {
                var due = false
                switch delivery {
                case .frames(let frames):
                    for frame in frames {
                        guard let event = frame.event else { continue }
                        document.add(event)
                        if case .status(let status) = event.payload {
                            stage = status.message
                            due = true
                        }
                    }
                case .heartbeat:
                    due = true
                }
                guard progress.isRequested, due || lastSent.duration(to: clock.now) >= interval else { continue }
                sent += 1
                lastSent = clock.now
                await progress.report(sent, message: Self.progressMessage(stage: stage, document: document))
            }
        }
        return document
    }

    static func progressMessage(stage: String, document: AnswerDocument) -> String {
        var parts = [stage]
        if !document.sources.isEmpty, !stage.contains("sources") { parts.append("\(document.sources.count) sources") }
        if !document.answer.isEmpty { parts.append("\(document.answer.count) characters written") }
        return parts.joined(separator: "; ")
    }

    // MARK: Errors as tool results

    static func failure(_ error: QueryError) -> CallTool.Result {
        toolError("Sift could not run the query: \(error.message) (\(error.code)\(error.retryable ? ", retry later" : "")).")
    }

    static func toolError(_ text: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: true)
    }
}

/// Sends `notifications/progress` for one tool call, when its client gave a progress token.
struct MCPProgress: Sendable {
    let token: ProgressToken?
    let transport: MCPSessionTransport

    var isRequested: Bool { token != nil }

    /// Progress `count` (it grows with each notification), with a message for people.
    func report(_ count: Int, message: String) async {
        guard let token else { return }
        let notification = ProgressNotification.message(.init(progressToken: token, progress: Double(count), message: message))
        guard let data = try? MCPJSON.encoder.encode(notification) else { return }
        try? await transport.send(data)
    }
}

/// A tool's arguments, checked against the names it knows.
private struct Arguments {
    let values: [String: Value]
    let tool: String

    init(_ values: [String: Value], tool: String, known: Set<String>) throws(MCPError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidParams("\(tool) has no argument \(unknown); it takes \(known.sorted().joined(separator: ", ")).")
        }
        self.values = values
        self.tool = tool
    }

    func text(_ name: String, required: Bool = false) throws(MCPError) -> String? {
        switch values[name] {
        case nil, .null?:
            if required { throw .invalidParams("\(tool) needs \(name), a string.") }
            return nil
        case .string(let text)?:
            if required && text.allSatisfy(\.isWhitespace) { throw .invalidParams("\(tool): \(name) is empty.") }
            return text
        default:
            throw .invalidParams("\(tool): \(name) must be a string.")
        }
    }

    /// A list of strings: a JSON array, or one comma-separated string as the HTTP routes take it.
    func list(_ name: String) throws(MCPError) -> [String]? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text.split(separator: ",").map(String.init)
        case .array(let items)?:
            var strings: [String] = []
            for item in items {
                guard let text = item.stringValue else { throw .invalidParams("\(tool): \(name) must be a list of strings.") }
                strings.append(text)
            }
            return strings
        default: throw .invalidParams("\(tool): \(name) must be a list of strings.")
        }
    }

    /// The search controls, validated as every route validates them.
    func controls() throws(MCPError) -> SearchControls {
        let maxSources = try integer("max_sources", in: 1...9999)
        let sites = try list("sites")
        let freshness = try text("freshness")
        let providers = try list("providers")
        let language = try text("lang")
        do throws(QueryError) {
            return try SearchControls(
                sites: sites, freshness: freshness, providers: providers, maxSources: maxSources.map(String.init),
                language: language)
        } catch {
            throw .invalidParams("\(tool): \(error.message)")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(MCPError) -> Int? {
        let number: Int
        switch values[name] {
        case nil, .null?: return nil
        case .int(let value)?: number = value
        case .double(let value)? where value.rounded() == value && abs(value) < 1e9: number = Int(value)
        default: throw .invalidParams("\(tool): \(name) must be an integer.")
        }
        guard range.contains(number) else {
            throw .invalidParams("\(tool): \(name) must be from \(range.lowerBound) to \(range.upperBound).")
        }
        return number
    }
}
