import Glibc
import Synchronization

/// Where ``TextLogHandler`` and ``JSONLogHandler`` write their finished lines.
///
/// A sink is shared by every copy of a handler; the handlers stay cheap values.
public struct LogSink: Sendable {
    private let writeLine: @Sendable (String) -> Void

    /// Creates a sink from a closure that receives each finished line, newline included.
    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    /// Standard error (file descriptor 2).
    public static let standardError = LogSink.fileDescriptor(2)

    /// A sink that writes whole lines to `fd`, one `write(2)` sequence per line under a
    /// lock, so concurrent records never interleave. Write errors drop the line.
    public static func fileDescriptor(_ fd: Int32) -> LogSink {
        let writer = FileDescriptorWriter(fd: fd)
        return LogSink { writer.write($0) }
    }

    /// Writes one finished line (which must end with a newline).
    public func write(_ line: String) {
        self.writeLine(line)
    }
}

/// Serializes whole-line writes to one file descriptor.
final class FileDescriptorWriter: Sendable {
    private let fd: Int32
    private let lock = Mutex<Void>(())

    init(fd: Int32) {
        self.fd = fd
    }

    func write(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            self.lock.withLock { _ in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(self.fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}
