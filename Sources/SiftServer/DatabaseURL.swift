/// Where the shared store lives: `postgres://user[:password]@host[:port]/database[?sslmode=…]`
/// (`SIFT_DATABASE_URL`). Parsed when the configuration is resolved, so that a bad URL is a
/// configuration error (exit 2) naming what is wrong; its description never shows the password.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted (libpq's `sslmode`, the values that apply here).
    public enum TLSMode: String, Sendable {
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or no connection; as libpq, the certificate is not verified.
        case require
        /// TLS with the certificate verified against the system's trust store (`verify-ca`, `verify-full`).
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode

    /// Parses `text`; the error says which part is wrong.
    public init(parsing text: String) throws(ConfigurationError) {
        func fail(_ why: String) -> ConfigurationError {
            ConfigurationError("database URL: \(why); expected postgres://user[:password]@host[:port]/database")
        }
        var rest = Substring(text.trimmingCharacters(in: " \n\t"))
        guard let scheme = rest.firstRange(of: "://"), ["postgres", "postgresql"].contains(rest[..<scheme.lowerBound].lowercased())
        else { throw fail("it must start with postgres://") }
        rest = rest[scheme.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let at = rest.lastIndex(of: "@") else { throw fail("the user is missing") }
        let credentials = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if let colon = credentials.firstIndex(of: ":") {
            user = try Self.decode(credentials[..<colon], fail("the user is not percent-encoded correctly"))
            password = try Self.decode(
                credentials[credentials.index(after: colon)...], fail("the password is not percent-encoded correctly"))
        } else {
            user = try Self.decode(credentials, fail("the user is not percent-encoded correctly"))
            password = nil
        }
        guard !user.isEmpty else { throw fail("the user is empty") }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("the database name is missing") }
        database = try Self.decode(rest[rest.index(after: slash)...], fail("the database is not percent-encoded correctly"))
        guard !database.isEmpty else { throw fail("the database name is empty") }
        var authority = rest[..<slash]
        port = 5432
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail("an IPv6 host needs its closing ]") }
            let after = authority[authority.index(after: close)...]
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            authority = after
            if !authority.isEmpty {
                guard authority.hasPrefix(":") else { throw fail("unexpected text after the host") }
                authority = authority.dropFirst()
                guard let number = Int(authority), (1...65535).contains(number) else { throw fail("the port must be 1–65535") }
                port = number
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                throw fail("the port must be 1–65535")
            }
            port = number
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw fail("the host is empty") }
        tls = .prefer
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "allow", "prefer": tls = .prefer
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default: throw fail("sslmode “\(value.prefix(20))” is not one of disable, prefer, require, verify-ca, verify-full")
                }
            default:
                throw fail("the parameter “\(name.prefix(30))” is not supported (only sslmode)")
            }
        }
    }

    /// `host:port`, as error messages name it.
    public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The URL without its password.
    public var description: String { "postgres://\(user)@\(endpoint)/\(database)" }

    private static func decode(_ text: Substring, _ error: ConfigurationError) throws(ConfigurationError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { throw error }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw error }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
