#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import ServiceLifecycle
import SiftCore
import SiftProviders
import SiftServer
import SiftSystemd
import Synchronization

/// The version reported by `--version`, `/healthz` and `sift_build_info`.
let siftVersion = "0.1.0"

/// The process environment as a dictionary.
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

/// `mkdir -p`.
func makeDirectories(_ path: String) -> Bool {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST { return false }
    }
    return true
}

func printError(_ line: String) {
    writeStandardError(line + "\n")
}

/// Writes to file descriptor 2 directly (the C `stderr` global is not concurrency-safe).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { break }
        offset += written
    }
}

/// The address siftd serves on: the configured one, then the one actually bound.
final class ServingAddress: Sendable {
    private let current: Mutex<String>
    init(_ initial: String) { current = Mutex(initial) }
    var value: String {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// Shows index-build progress on the terminal (rewriting one line on a TTY,
/// a line every few seconds otherwise) and in systemd's STATUS=.
final class ProgressPrinter: Sendable {
    private let notifier: SystemdNotifier
    private let isTerminal = isatty(2) != 0
    private let last = Mutex<(phase: String, at: ContinuousClock.Instant?)>(("", nil))

    init(notifier: SystemdNotifier) { self.notifier = notifier }

    func show(_ progress: KnowledgeBaseBuildProgress) {
        let now = ContinuousClock.now
        // On a terminal the line is rewritten, so every source switch may show; in a log, only phase changes and time do.
        let phase = progress.phase.rawValue + (isTerminal ? progress.source ?? "" : "")
        let due = last.withLock { state -> Bool in
            let interval: Duration = isTerminal ? .milliseconds(200) : .seconds(3)
            guard state.phase != phase || state.at.map({ $0.duration(to: now) >= interval }) ?? true else { return false }
            state = (phase, now)
            return true
        }
        guard due else { return }
        let line = "siftd: index: \(progress)"
        if isTerminal {
            writeStandardError("\r\u{1B}[K" + line)
        } else {
            printError(line)
        }
        _ = notifier.status("indexing: \(progress)")
    }

    func finish(_ report: KnowledgeBaseBuildReport) {
        if isTerminal { writeStandardError("\r\u{1B}[K") }
        let seconds = milliseconds(report.duration) / 1000
        let verb = report.rebuilt ? "built" : "reused"
        printError(
            "siftd: index \(verb): \(report.documents) documents, \(report.passages) passages, "
                + "\(report.indexBytes / 1_048_576) MiB in \((seconds * 10).rounded() / 10) s (\(report.reason))")
        for source in report.sources where source.status != .indexed {
            printError("siftd: index: skipped \(source.collection) (\(source.location)): \(source.message ?? source.status.rawValue)")
        }
    }
}

/// Keeps systemd's STATUS= current, and says STOPPING=1 when shutdown begins.
struct StatusReporter: Service {
    let notifier: SystemdNotifier
    let registry: StreamRegistry
    let line: @Sendable () -> String
    let logger: Logger

    func run() async throws {
        // The loop is cancelled as soon as graceful shutdown begins; then STOPPING=1 goes out.
        try? await cancelWhenGracefulShutdown {
            while true {
                _ = notifier.status(line())
                try await Task.sleep(for: .seconds(5))
            }
        }
        _ = notifier.stopping(status: "stopping: ending open streams")
        logger.notice("shutting down", metadata: ["streams": "\(registry.activeCount)"])
    }
}

/// This machine's host name (the default replica name is `hostname:port`).
func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
