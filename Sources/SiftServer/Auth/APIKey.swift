#if canImport(Glibc)
import Glibc
#endif
import Crypto

/// What a key may do. `admin` includes the other two.
public enum APIScope: String, Sendable, CaseIterable, Codable, Comparable {
    /// Ask (every query route, the OpenAI and MCP endpoints), read and cancel its own queries, continue its own sessions.
    case query
    /// Read `/metrics`.
    case metrics
    /// Read and cancel any key's queries, continue any session, the debug routes.
    case admin

    public static func < (lhs: APIScope, rhs: APIScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses `query,metrics`; nil names the first word that is not a scope.
    public static func parseList(_ text: String) -> Result<[APIScope], APIKeyError> {
        var scopes: Set<APIScope> = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) where !word.isEmpty {
            guard let scope = APIScope(rawValue: word.lowercased()) else {
                return .failure(APIKeyError("unknown scope “\(word.prefix(40))”: expected query, metrics or admin"))
            }
            scopes.insert(scope)
        }
        guard !scopes.isEmpty else { return .failure(APIKeyError("no scope given: expected query, metrics or admin")) }
        return .success(scopes.sorted())
    }
}

/// The limits and daily budgets of one key; nil: unlimited.
public struct APIKeyLimits: Sendable, Equatable, Codable {
    /// Requests a minute (a token bucket: this many at once, refilled over a minute).
    public var requestsPerMinute: Int?
    /// Queries running at once (streams, one-shot answers, resumable queries).
    public var streams: Int?
    /// Upstream search requests (Brave, SearXNG) a UTC day; cache hits are free.
    public var dailyUpstream: Int?
    /// LLM tokens (prompt and completion) a UTC day.
    public var dailyTokens: Int?

    public init(requestsPerMinute: Int? = nil, streams: Int? = nil, dailyUpstream: Int? = nil, dailyTokens: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.streams = streams
        self.dailyUpstream = dailyUpstream
        self.dailyTokens = dailyTokens
    }

    enum CodingKeys: String, CodingKey {
        case requestsPerMinute = "rpm"
        case streams
        case dailyUpstream = "daily_upstream"
        case dailyTokens = "daily_tokens"
    }

    /// `rpm 60, streams 2` or `none`.
    public var summary: String {
        let parts = [
            requestsPerMinute.map { "rpm \($0)" }, streams.map { "streams \($0)" },
            dailyUpstream.map { "upstream \($0)/day" }, dailyTokens.map { "tokens \($0)/day" },
        ].compactMap { $0 }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

/// One API key as stored: its name, the SHA-256 of the key (never the key), scopes and limits.
public struct APIKeyRecord: Sendable, Equatable, Codable {
    public var name: String
    /// The SHA-256 of the key, 64 lowercase hex digits.
    public var hash: String
    public var scopes: [APIScope]
    public var limits: APIKeyLimits
    /// Unix seconds.
    public var created: Int64
    /// Unix seconds of the last request with it, as last recorded (a few seconds behind).
    public var lastUsed: Int64?

    public init(
        name: String, hash: String, scopes: [APIScope], limits: APIKeyLimits, created: Int64, lastUsed: Int64? = nil
    ) {
        self.name = name
        self.hash = hash
        self.scopes = scopes
        self.limits = limits
        self.created = created
        self.lastUsed = lastUsed
    }

    enum CodingKeys: String, CodingKey {
        case name, hash = "sha256", scopes, limits, created
        case lastUsed = "last_used"
    }

    /// Whether the key may use `scope` (`admin` may use them all).
    public func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) || scopes.contains(.admin) }
}

/// A key-management failure, with what to do.
public struct APIKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Making, hashing and naming keys.
public enum APIKeys {
    /// Every key starts with this, so a leaked one is recognisable (and secret scanners can find it).
    public static let prefix = "sift_"

    /// A new key: `sift_` and 32 bytes from the system's CSPRNG, base64url without padding (43 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            let word = generator.next() as UInt64
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return prefix + base64URL(bytes)
    }

    /// The hex SHA-256 that stands for `key` in the store.
    public static func hash(_ key: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(key.utf8)) {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Checks a key's name: 1–64 of letters, digits, `-`, `_` and `.` (it labels metrics and logs).
    public static func validate(name: String) throws(APIKeyError) {
        guard (1...64).contains(name.utf8.count),
            name.utf8.allSatisfy({ byte in
                (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            })
        else {
            throw APIKeyError(
                "a key's name is 1 to 64 letters, digits, “-”, “_” or “.”, not “\(name.prefix(40))”")
        }
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << UInt32(16 - offset * 8) }
            let characters = chunk.count + 1
            for position in 0..<characters { out.append(alphabet[Int((value >> UInt32(18 - position * 6)) & 0x3f)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The current Unix time in seconds.
    public static func unixNow() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}
