#if canImport(Glibc)
import Glibc
#endif
import SiftCore
import Testing

@testable import SiftServer

/// The shape of `/metrics` (families, types, label names) is a contract with
/// dashboards and alerts; it is diffed against a fixture. Regenerate it with
/// `SIFT_UPDATE_GOLDEN=1 swift test --filter MetricsGoldenTests` and review the diff.
@Suite("Metrics golden shape")
struct MetricsGoldenTests {
    static let fixture = String(#filePath.dropLast("MetricsGoldenTests.swift".count)) + "Fixtures/metrics-shape.txt"

    /// `# TYPE` lines plus, per family, the sorted set of label names its samples use.
    static func shape(of exposition: String) -> String {
        var types: [String] = []
        var labels: [String: Set<String>] = [:]
        for line in exposition.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                types.append(String(line))
                continue
            }
            if line.hasPrefix("#") { continue }
            let name = line.prefix { $0 != "{" && $0 != " " }
            var keys: Set<String> = []
            if let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") {
                for pair in line[line.index(after: open)..<close].split(separator: ",") {
                    if let equals = pair.firstIndex(of: "=") { keys.insert(String(pair[..<equals])) }
                }
            }
            labels[String(name), default: []].formUnion(keys.subtracting(["le"]))
        }
        let labelLines = labels.keys.sorted().map { "\($0) {\(labels[$0]!.sorted().joined(separator: ","))}" }
        return (types.sorted() + labelLines).joined(separator: "\n") + "\n"
    }

    @Test func metricsShapeMatchesTheFixture() async throws {
        let metrics = SiftMetrics(version: "golden")
        // Exercise every family once, as a real query, stream and scrape would.
        let id = QueryID()
        metrics.queryStarted(id)
        for type in [PipelineEvent.EventType.status, .source, .delta] { metrics.firstEvent(id, type: type, elapsed: .milliseconds(1)) }
        for stage in [Stage.analyzing, .searching, .ranking, .synthesizing] { metrics.stageCompleted(id, stage: stage, duration: .milliseconds(1)) }
        metrics.providerCompleted(id, provider: "kb", status: "ok", duration: .milliseconds(1))
        metrics.queryFinished(id, outcome: .complete, duration: .milliseconds(5))
        metrics.recordEventSent(.done)
        metrics.recordHeartbeat()
        metrics.recordStreamDelta(1)
        metrics.recordStreamDropped(reason: "slow_client", undelivered: 1)
        metrics.recordHTTPRequest(route: "/v1/answer/stream", status: 200)
        metrics.recordConnectionCapacity(192)
        metrics.recordConnectionDelta(1)
        metrics.recordRejection(.headerTimeout)
        metrics.recordKnowledgeBase(documents: 1, passages: 2)
        metrics.recordSessions(1)
        metrics.registerModels(["model"])
        metrics.llmRequestFinished(model: "model", outcome: "ok")
        metrics.llmTokens(model: "model", prompt: 10, completion: 5)
        metrics.llmFirstToken(model: "model", after: .milliseconds(20))
        metrics.llmGenerationRate(model: "model", tokensPerSecond: 50)
        metrics.llmFailed(model: "model", kind: "connection")
        metrics.llmFellBack(reason: "connection")
        metrics.recordConnectionWait(pool: "brave", waited: .milliseconds(1))
        metrics.recordQueueTimeout(pool: "brave")
        metrics.recordAdmissionLimits(concurrency: 2, queue: 256)
        metrics.recordAdmission(running: 1, waiting: 3)
        metrics.recordAdmissionWait(.milliseconds(3))
        metrics.recordAdmissionRefused()
        let shape = Self.shape(of: String(decoding: metrics.render(), as: UTF8.self))

        if getenv("SIFT_UPDATE_GOLDEN") != nil {
            let file = try #require(fopen(Self.fixture, "w"))
            fputs(shape, file)
            fclose(file)
        }
        let expected = try #require(try? TextFile.read(Self.fixture), "missing fixture \(Self.fixture); regenerate it")
        #expect(shape == expected)
    }
}
