import Glibc

/// A wall-clock instant for log records, read with `clock_gettime(CLOCK_REALTIME)`.
public struct LogTimestamp: Sendable, Hashable {
    /// Whole seconds since the Unix epoch.
    public var seconds: Int
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: Int

    /// Creates a timestamp from seconds since the epoch and nanoseconds.
    public init(seconds: Int, nanoseconds: Int) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The current wall-clock time.
    public static func now() -> LogTimestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return LogTimestamp(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec))
    }

    /// RFC 3339 in UTC with milliseconds, for example `2026-11-24T21:31:47.123Z`.
    public var iso8601: String {
        var time = time_t(self.seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var text = ""
        text.reserveCapacity(24)
        Self.append(Int(parts.tm_year) + 1900, width: 4, to: &text)
        text += "-"
        Self.append(Int(parts.tm_mon) + 1, width: 2, to: &text)
        text += "-"
        Self.append(Int(parts.tm_mday), width: 2, to: &text)
        text += "T"
        Self.append(Int(parts.tm_hour), width: 2, to: &text)
        text += ":"
        Self.append(Int(parts.tm_min), width: 2, to: &text)
        text += ":"
        Self.append(Int(parts.tm_sec), width: 2, to: &text)
        text += "."
        Self.append(self.nanoseconds / 1_000_000, width: 3, to: &text)
        text += "Z"
        return text
    }

    private static func append(_ value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width {
            text += String(repeating: "0", count: width - digits.count)
        }
        text += digits
    }
}
