import CSystemd
import Glibc

/// Where ``JournalLogHandler`` sends its entries: journald's native socket by default,
/// or a closure in tests.
public struct JournalSink: Sendable {
    private let sendFields: @Sendable ([JournalField]) -> Int32

    /// Creates a sink from a closure that returns `0` on success or a negative errno.
    public init(_ send: @escaping @Sendable ([JournalField]) -> Int32) {
        self.sendFields = send
    }

    /// Sends to journald with `sd_journal_sendv(3)` (`/run/systemd/journal/socket`).
    public static let native = JournalSink { JournalSink.sendNative($0) }

    /// Sends one entry; returns `0` on success or a negative errno.
    public func send(_ fields: [JournalField]) -> Int32 {
        self.sendFields(fields)
    }

    /// Sends `fields` as one entry with `sd_journal_sendv`.
    static func sendNative(_ fields: [JournalField]) -> Int32 {
        Self.withIOVecs(for: fields) { vectors in
            sd_journal_sendv(vectors.baseAddress, Int32(vectors.count))
        }
    }

    /// Encodes `fields` into one buffer and calls `body` with one `iovec` per field
    /// (`NAME=value`), exactly as ``native`` hands them to `sd_journal_sendv`. The
    /// vectors are valid only inside `body`.
    public static func withIOVecs<Result>(
        for fields: [JournalField],
        _ body: (UnsafeBufferPointer<iovec>) -> Result
    ) -> Result {
        var buffer: [UInt8] = []
        var ranges: [(offset: Int, count: Int)] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(contentsOf: field.value.utf8)
            ranges.append((start, buffer.count - start))
        }
        return buffer.withUnsafeMutableBytes { bytes in
            let base = bytes.baseAddress
            let vectors = ranges.map { range in
                iovec(iov_base: base.map { $0 + range.offset }, iov_len: range.count)
            }
            return vectors.withUnsafeBufferPointer(body)
        }
    }
}
