import Glibc
import SiftSystemd
import Logging
import Synchronization

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under /tmp, removed (with its plain files) on `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/sift-systemd-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        self.path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ name: String, _ contents: String) throws {
        let fd = open(self.path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestFailure("open failed: errno \(errno)") }
        defer { close(fd) }
        var contents = contents
        let written = contents.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == contents.utf8.count else { throw TestFailure("short write") }
    }

    func remove(_ names: [String] = []) {
        for name in names { unlink(self.path + "/" + name) }
        rmdir(self.path)
    }
}

/// An AF_UNIX datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let directory: TemporaryDirectory
    let path: String
    let fd: Int32

    init() throws {
        self.directory = try TemporaryDirectory()
        self.path = self.directory.path + "/notify"
        self.fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard self.fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(self.path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(self.fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw TestFailure("bind failed: errno \(errno)") }
    }

    /// Every datagram queued right now, without waiting.
    func receiveAvailable() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    deinit {
        close(self.fd)
        self.directory.remove(["notify"])
    }
}

/// Sets environment variables (a `nil` value unsets) for the duration of `body`, then
/// restores the previous values. Only use from `ProcessEnvironmentTests` (serialized).
func withEnvironment<T>(
    _ variables: [String: String?],
    _ body: () async throws -> T
) async rethrows -> T {
    var saved: [String: String?] = [:]
    for (name, value) in variables {
        saved[name] = getenv(name).map { String(cString: $0) }
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try await body()
}

/// Collects the records logged through `logger` (every level).
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let storage = Mutex<[Record]>([])

    var records: [Record] { self.storage.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    func append(_ record: Record) { self.storage.withLock { $0.append(record) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var metadata = self.metadata
            metadata.merge(event.metadata ?? [:], uniquingKeysWith: { _, new in new })
            self.capture.append(Record(level: event.level, message: event.message.description, metadata: metadata))
        }
    }
}

/// Collects what is written to a `LogSink`.
final class LineCollector: Sendable {
    private let storage = Mutex<[String]>([])

    var lines: [String] { self.storage.withLock { $0 } }

    var sink: LogSink {
        LogSink { line in self.storage.withLock { $0.append(line) } }
    }
}
