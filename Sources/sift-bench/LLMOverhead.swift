import ArgumentParser
import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import SiftHTTPClient

/// `sift-bench llm`: what siftd adds on top of the model.
///
/// Against `sift-replay --service llm` (`--stats`): the time from the model writing its
/// first token to the client reading its first `delta`, both on `CLOCK_MONOTONIC`, and
/// the rate the answer passes through against the rate it was written at.
/// Against llama-server (`--llama`): the rate deltas reach the client against the
/// model's own generation rate from llama-server's /metrics.
struct LLMOverhead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm", abstract: "siftd's overhead on top of an LLM: first token to first delta, and tokens a second.")
    @OptionGroup var target: Target
    @Option(help: "Streams in all, one at a time.") var requests = 200
    @Option(help: "Streams run first and not counted.") var warmup = 10
    @Option(help: "Base URL of the scripted chat server (sift-replay --service llm), for /stats.") var stats: String?
    @Option(help: "Base URL of a llama-server started with --metrics.") var llama: String?

    struct Stats: Decodable {
        struct Entry: Decodable {
            var index: Int
            var first_token_ns: UInt64?
            var finished_ns: UInt64?
            var tokens_sent: Int
        }
        var entries: [Entry]
    }

    func run() async throws {
        var logger = Logger(label: "sift-bench.llm")
        logger.logLevel = .critical
        let http = try HTTPClient(logger: logger)
        defer { http.shutdown() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = SSEClient(group: group, host: target.host, port: target.port)
        let path = target.path.first ?? "/v1/answer/stream?q=what+is+the+capital+of+australia"

        for _ in 0..<warmup { _ = await client.run(path: path) }
        if let stats { _ = try await body(http, stats + "/stats/reset", method: .post) }
        let before = try await llamaCounters(http)
        var results: [StreamResult] = []
        for _ in 0..<requests { results.append(await client.run(path: path)) }
        let after = try await llamaCounters(http)
        try await group.shutdownGracefully()

        let failures = results.filter { !$0.succeeded || $0.deltas == 0 }
        var report: [String: String] = ["requests": "\(results.count)", "failures": "\(failures.count)"]
        // Pass-through rate at the client: deltas after the first, over the time from the first to the last.
        // Tokens (as the model counted them, from the `metrics` event) over the time from the first delta to the last.
        let clientRates = results.compactMap { result -> Double? in
            guard let first = result.firstDeltaMonotonicNs, let last = result.lastDeltaMonotonicNs, last > first,
                let tokens = result.answerTokens, tokens > 1
            else { return nil }
            return Double(tokens - 1) / (Double(last - first) / 1e9)
        }
        report["client_tokens_per_second_p50"] = format(percentile(clientRates, 0.5))
        report["tokens_per_answer_p50"] = format(percentile(results.compactMap { $0.answerTokens.map(Double.init) }, 0.5))
        report["deltas_per_answer_p50"] = format(percentile(results.map { Double($0.deltas) }, 0.5))

        if let stats {
            let decoded = try JSONDecoder().decode(Stats.self, from: Data(try await body(http, stats + "/stats")))
            let entries = decoded.entries.sorted { $0.index < $1.index }
            var overheads: [Double] = []
            var modelRates: [Double] = []
            for (result, entry) in zip(results, entries) {
                if let sent = entry.first_token_ns, let received = result.firstDeltaMonotonicNs, received >= sent {
                    overheads.append(Double(received - sent) / 1e6)
                }
                if let first = entry.first_token_ns, let end = entry.finished_ns, end > first, entry.tokens_sent > 1 {
                    modelRates.append(Double(entry.tokens_sent - 1) / (Double(end - first) / 1e9))
                }
            }
            report["paired"] = "\(overheads.count)"
            report["first_token_to_first_delta_p50_ms"] = format(percentile(overheads, 0.5))
            report["first_token_to_first_delta_p99_ms"] = format(percentile(overheads, 0.99))
            report["first_token_to_first_delta_max_ms"] = format(overheads.max() ?? 0)
            report["model_tokens_per_second_p50"] = format(percentile(modelRates, 0.5))
        }
        if let before, let after, after.seconds > before.seconds {
            report["model_tokens_per_second"] = format((after.tokens - before.tokens) / (after.seconds - before.seconds))
        }
        printJSON(report)
    }

    /// llama-server's predicted-token counters, when `--llama` is given.
    func llamaCounters(_ http: HTTPClient) async throws -> (tokens: Double, seconds: Double)? {
        guard let llama else { return nil }
        let text = String(decoding: try await body(http, llama + "/metrics"), as: UTF8.self)
        func value(_ name: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        guard let tokens = value("llamacpp:tokens_predicted_total"),
            let seconds = value("llamacpp:tokens_predicted_seconds_total")
        else { return nil }
        return (tokens, seconds)
    }

    func body(_ http: HTTPClient, _ url: String, method: HTTPMethod = .get) async throws -> [UInt8] {
        var request = HTTPRequest(url: url)
        request.method = method
        let response = try await http.execute(request)
        return try await response.body.collect(upTo: 64 << 20)
    }
}
