// sift-bench: an SSE load client that counts events, which wrk and hey cannot.
//
//   sift-bench latency --port 8080 --concurrency 200 --requests 4000 --path '/v1/answer/stream?q=...'
//   sift-bench hold --port 8080 --concurrency 1000 --pid 1234 --path '/v1/answer/stream?q=...'
//
// Each prints one JSON object on stdout; scripts/bench.sh turns them into docs/benchmarks.md.
#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

@main
struct SiftBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sift-bench", abstract: "Load and latency client for Sift's SSE streams.",
        subcommands: [Latency.self, Hold.self, HTTPThroughput.self, LLMOverhead.self])
}

struct Target: ParsableArguments {
    @Option(help: "Server host.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 8080
    @Option(help: "Request paths, rotated; repeat the option for several.") var path: [String] = []
    @Option(help: "Streams open at once.") var concurrency = 1
}

struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time to first status, source and delta; answers per second.")
    @OptionGroup var target: Target
    @Option(help: "Streams to run in all.") var requests = 100
    @Option(help: "Streams run first and not counted.") var warmup = 20
    @Option(help: "Disconnect after this event type (e.g. source) instead of reading to done.") var stopAfter: String?

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = SSEClient(group: group, host: target.host, port: target.port)
        let paths = target.path.isEmpty ? ["/v1/answer/stream?q=what+is+photosynthesis"] : target.path
        let stopAfter = self.stopAfter
        for index in 0..<warmup { _ = await client.run(path: paths[index % paths.count], stopAfter: stopAfter) }

        let counter = Counter()
        let start = ContinuousClock.now
        let results = await withTaskGroup(of: [StreamResult].self) { tasks in
            for _ in 0..<target.concurrency {
                tasks.addTask {
                    var mine: [StreamResult] = []
                    while let index = counter.next(limit: requests) {
                        mine.append(await client.run(path: paths[index % paths.count], stopAfter: stopAfter))
                    }
                    return mine
                }
            }
            var all: [StreamResult] = []
            for await part in tasks { all += part }
            return all
        }
        let seconds = Double(start.duration(to: .now).components.seconds)
            + Double(start.duration(to: .now).components.attoseconds) / 1e18
        try await group.shutdownGracefully()

        let failures = results.filter { !$0.succeeded }
        var report: [String: String] = [
            "requests": "\(results.count)", "concurrency": "\(target.concurrency)",
            "failures": "\(failures.count)", "seconds": format(seconds),
            "without_source": "\(results.filter { $0.succeeded && $0.firstSource == nil && !$0.stoppedEarly }.count)",
            "answers_per_second": format(Double(results.count - failures.count) / seconds),
        ]
        for (name, values) in [
            ("first_status", results.compactMap(\.firstStatus)), ("first_source", results.compactMap(\.firstSource)),
            ("first_delta", results.compactMap(\.firstDelta)), ("total", results.compactMap(\.total)),
        ] {
            report["\(name)_p50_ms"] = format(percentile(values, 0.50))
            report["\(name)_p99_ms"] = format(percentile(values, 0.99))
            report["\(name)_max_ms"] = format(values.max() ?? 0)
        }
        if let firstFailure = failures.first {
            report["first_failure"] = firstFailure.error ?? "status \(firstFailure.status), done \(firstFailure.done)"
        }
        printJSON(report)
    }
}

struct Hold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Hold N streams open and read the server's resident memory.")
    @OptionGroup var target: Target
    @Option(help: "The server's process id, to read its RSS.") var pid: Int32
    @Option(help: "Keep the streams open this long after measuring (for measurements beside them).") var holdSeconds = 0

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = SSEClient(group: group, host: target.host, port: target.port)
        let paths = target.path.isEmpty ? ["/v1/answer/stream?q=what+is+photosynthesis"] : target.path
        let before = residentKilobytes(pid)
        var channels: [any Channel] = []
        var failures = 0
        var firstEvents: [Double] = []
        // Open in batches so the listen backlog is never the bottleneck.
        var index = 0
        while index < target.concurrency {
            let batch = min(100, target.concurrency - index)
            let opened = await withTaskGroup(of: ((any Channel)?, Double).self) { tasks in
                for offset in 0..<batch {
                    let path = paths[(index + offset) % paths.count]
                    tasks.addTask {
                        // Connect to the first event (the status), in milliseconds.
                        let start = ContinuousClock.now
                        let channel = try? await client.open(path: path, waitForFirstEvent: true).channel
                        let elapsed = start.duration(to: .now)
                        return (channel, Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
                    }
                }
                var list: [((any Channel)?, Double)] = []
                for await opened in tasks { list.append(opened) }
                return list
            }
            channels += opened.compactMap(\.0)
            firstEvents += opened.filter { $0.0 != nil }.map(\.1)
            failures += opened.filter { $0.0 == nil }.count
            index += batch
        }
        let during = residentKilobytes(pid)
        if holdSeconds > 0 {
            printJSON(["streams_open": "\(channels.count)"])
            try await Task.sleep(for: .seconds(holdSeconds))
        }
        for channel in channels { try? await channel.close() }
        try await group.shutdownGracefully()
        printJSON([
            "streams": "\(channels.count)", "failures": "\(failures)",
            "rss_before_mb": format(Double(before) / 1024), "rss_open_mb": format(Double(during) / 1024),
            "per_stream_kb": format(channels.isEmpty ? 0 : Double(during - before) / Double(channels.count)),
            "first_event_p50_ms": format(percentile(firstEvents, 0.50)),
            "first_event_p99_ms": format(percentile(firstEvents, 0.99)),
        ])
    }
}

/// Hands out request indexes to workers.
final class Counter: Sendable {
    private let state = NIOLockedValueBox(0)
    func next(limit: Int) -> Int? {
        state.withLockedValue { value in
            guard value < limit else { return nil }
            defer { value += 1 }
            return value
        }
    }
}

func residentKilobytes(_ pid: Int32) -> Int {
    guard let file = fopen("/proc/\(pid)/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") {
            return Int(text.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
    }
    return 0
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p * Double(sorted.count - 1)).rounded(.up))
    return sorted[min(rank, sorted.count - 1)]
}

func format(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return "\(scaled)"
}

func printJSON(_ fields: [String: String]) {
    let body = fields.sorted { $0.key < $1.key }.map { key, value in
        Double(value) != nil ? "\"\(key)\": \(value)" : "\"\(key)\": \"\(value.replacingQuotes())\""
    }
    print("{" + body.joined(separator: ", ") + "}")
}

extension String {
    func replacingQuotes() -> String { String(map { $0 == "\"" ? "'" : $0 }) }
}
