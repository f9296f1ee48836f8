/// A token bucket: `perMinute` requests at once, refilled at `perMinute` a minute.
struct TokenBucket: Sendable, Equatable {
    var tokens: Double
    var updated: Double

    init(perMinute: Int, now: Double) {
        tokens = Double(perMinute)
        updated = now
    }

    /// Takes one token at `now` (Unix seconds); nil when taken, else the whole seconds until one is there.
    mutating func take(perMinute: Int, now: Double) -> Int? {
        let capacity = Double(max(perMinute, 1))
        let rate = capacity / 60
        tokens = min(capacity, tokens + max(0, now - updated) * rate)
        updated = max(updated, now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return max(1, Int(((1 - tokens) / rate).rounded(.up)))
    }
}

/// UTC days, for daily budgets: a day is `Int(unix seconds / 86400)`.
public enum UTCDay {
    public static func day(of unixSeconds: Double) -> Int { Int((unixSeconds / 86_400).rounded(.down)) }

    /// Seconds from `unixSeconds` to the next UTC midnight (at least 1).
    public static func secondsToMidnight(from unixSeconds: Double) -> Int {
        let next = Double(day(of: unixSeconds) + 1) * 86_400
        return max(1, Int((next - unixSeconds).rounded(.up)))
    }

    /// `2026-12-08T00:00:00Z` for the midnight that starts day `day`.
    public static func midnight(_ day: Int) -> String {
        // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar, in 400-year eras).
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(dayOfMonth))T00:00:00Z"
    }
}

extension UTCDay {
    /// `2026-12-07 09:13:00Z` for Unix second `seconds`.
    public static func timestamp(_ seconds: Int64) -> String {
        let day = Int((Double(seconds) / 86_400).rounded(.down))
        let date = midnight(day).prefix(10)
        let within = Int(seconds - Int64(day) * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date) \(two(within / 3600)):\(two(within / 60 % 60)):\(two(within % 60))Z"
    }
}
