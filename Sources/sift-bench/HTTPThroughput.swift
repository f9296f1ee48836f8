#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import SiftHTTPClient

/// `sift-bench http`: Sift's libcurl client against a loopback URL, for comparison with
/// `curl` itself: bytes a second for one large body, requests a second for many small ones.
struct HTTPThroughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "Throughput of SiftHTTPClient against a URL (compare with curl).")
    @Option(help: "The URL to GET.") var url: String
    @Option(help: "Requests in all.") var requests = 1
    @Option(help: "Requests in flight at once.") var concurrency = 1
    @Option(help: "libcurl's receive buffer in KiB (default: the client's).") var receiveBufferKib: Int?
    @Option(help: "Body bytes buffered per transfer in KiB (default: the client's).") var bodyBufferKib: Int?

    func run() async throws {
        var logger = Logger(label: "sift-bench.http")
        logger.logLevel = .critical
        var configuration = HTTPClient.Configuration()
        configuration.maxConnectionsPerHost = max(1, concurrency)
        if let receiveBufferKib { configuration.receiveBufferBytes = receiveBufferKib * 1024 }
        if let bodyBufferKib { configuration.bodyBufferBytes = bodyBufferKib * 1024 }
        let client = try HTTPClient(configuration: configuration, logger: logger)
        defer { client.shutdown() }
        let url = self.url
        let clock = ContinuousClock()
        let start = clock.now
        let bytes = try await withThrowingTaskGroup(of: Int.self) { group in
            var started = 0
            var total = 0
            func fetch() async throws -> Int {
                var request = HTTPRequest(url: url)
                request.totalTimeout = .seconds(600)
                request.retry = .none
                let response = try await client.execute(request)
                var count = 0
                for try await chunk in response.body { count += chunk.count }
                return count
            }
            while started < min(concurrency, requests) {
                group.addTask { try await fetch() }
                started += 1
            }
            while let count = try await group.next() {
                total += count
                if started < requests {
                    group.addTask { try await fetch() }
                    started += 1
                }
            }
            return total
        }
        let seconds = Double(start.duration(to: clock.now).components.attoseconds) / 1e18
            + Double(start.duration(to: clock.now).components.seconds)
        printJSON([
            "requests": "\(requests)", "concurrency": "\(concurrency)", "bytes": "\(bytes)",
            "seconds": "\((seconds * 1000).rounded() / 1000)",
            "requests_per_second": "\((Double(requests) / seconds).rounded())",
            "mib_per_second": "\((Double(bytes) / 1_048_576 / seconds * 10).rounded() / 10)",
        ])
    }
}
