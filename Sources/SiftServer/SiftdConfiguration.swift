import Logging

/// One configuration key: its config-file name, environment variable, flag and default.
public struct ConfigKey: Sendable, Hashable {
    /// The key in the config file (`listen`).
    public var name: String
    /// The environment variable (`SIFT_LISTEN`).
    public var environment: String
    /// The command-line flag without dashes (`listen`).
    public var flag: String { name.replacingUnderscores() }
    /// The default, as shown by `--help`.
    public var defaultText: String
    /// What it does.
    public var help: String

    /// The text `siftd --help` shows for it.
    public var helpText: String {
        let file = self == ConfigKeys.config ? "" : "; file: \(name)"
        return "\(help) [env: \(environment)\(file); default: \(defaultText)]"
    }
}

/// Every key siftd reads; docs/configuration.md mirrors this table.
public enum ConfigKeys {
    public static let config = ConfigKey(
        name: "config", environment: "SIFT_CONFIG", defaultText: "/etc/siftd/siftd.toml when it exists",
        help: "Path of the config file.")
    public static let listen = ConfigKey(
        name: "listen", environment: "SIFT_LISTEN", defaultText: "127.0.0.1:8080",
        help: "host:port to bind when not socket-activated.")
    public static let stateDir = ConfigKey(
        name: "state_dir", environment: "SIFT_STATE_DIR", defaultText: "$STATE_DIRECTORY, else ~/.local/state/siftd",
        help: "Where the knowledge-base index lives.")
    public static let cacheDir = ConfigKey(
        name: "cache_dir", environment: "SIFT_CACHE_DIR", defaultText: "$CACHE_DIRECTORY, else ~/.cache/siftd",
        help: "Cache directory (created at start; the provider and page cache will live here).")
    public static let dataDir = ConfigKey(
        name: "data_dir", environment: "SIFT_DATA_DIR", defaultText: "~/.local/share/siftd",
        help: "Where downloaded corpora live (wiki/summaries_en-us.json, put there by `make kb-sources`).")
    public static let kbSources = ConfigKey(
        name: "kb_sources", environment: "SIFT_KB_SOURCES", defaultText: "default",
        help: "Comma list of knowledge-base sources: `default` (the installed corpora) and/or folders of .md, .html, .txt.")
    public static let log = ConfigKey(
        name: "log", environment: "SIFT_LOG", defaultText: "auto",
        help: "Log format: journal, text or json; auto picks journal under systemd, else text.")
    public static let logLevel = ConfigKey(
        name: "log_level", environment: "SIFT_LOG_LEVEL", defaultText: "info",
        help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    public static let maxStreams = ConfigKey(
        name: "max_streams", environment: "SIFT_MAX_STREAMS", defaultText: "2048",
        help: "Most event streams open at once; more get HTTP 429.")
    public static let streamBuffer = ConfigKey(
        name: "stream_buffer", environment: "SIFT_STREAM_BUFFER", defaultText: "1024",
        help: "Events buffered per client; a client further behind is dropped.")
    public static let heartbeatSeconds = ConfigKey(
        name: "heartbeat_seconds", environment: "SIFT_HEARTBEAT_SECONDS", defaultText: "15",
        help: "Seconds between `: ping` comments on an open stream.")
    public static let maxSources = ConfigKey(
        name: "max_sources", environment: "SIFT_MAX_SOURCES", defaultText: "10",
        help: "Sources kept per query.")
    public static let maxPassages = ConfigKey(
        name: "max_passages", environment: "SIFT_MAX_PASSAGES", defaultText: "6",
        help: "Passages the answer is built from.")

    /// All keys, in `--help` order.
    public static let all: [ConfigKey] = [
        config, listen, stateDir, cacheDir, dataDir, kbSources, log, logLevel, maxStreams, streamBuffer,
        heartbeatSeconds, maxSources, maxPassages,
    ]

    /// Keys of later capabilities: named in design.md's contract but not built into this version.
    /// siftd warns when one is set instead of silently ignoring it.
    public static let notYetSupported = [
        "SIFT_BRAVE_API_KEY", "SIFT_BRAVE_URL", "SIFT_SEARXNG_URL", "SIFT_LLM_URL", "SIFT_LLM_MODEL",
        "SIFT_LLM_API_KEY", "SIFT_FETCH_ALLOW_HOSTS",
    ]
}

/// A configuration problem, with the key and what to do.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// siftd's resolved settings: flags override environment, which overrides the file, which overrides defaults.
public struct SiftdConfiguration: Sendable, Equatable {
    public var configPath: String?
    public var listenHost: String
    public var listenPort: Int
    public var stateDir: String
    public var cacheDir: String
    public var dataDir: String
    public var kbSources: [String]
    public var logFormat: String
    public var logLevel: Logger.Level
    public var maxSources: Int
    public var maxPassages: Int
    public var server: SiftServerConfiguration

    /// Resolves every key from `flags` (by key name), `environment`, and the config file read with `readFile`.
    ///
    /// `readFile` returns nil when the file does not exist, and throws when it exists
    /// but cannot be read: a config file that is present is never silently ignored.
    public static func resolve(
        flags: [String: String], environment: [String: String],
        readFile: (String) throws(ConfigurationError) -> String?
    ) throws(ConfigurationError) -> SiftdConfiguration {
        // The config file: explicit path must exist; the default path is optional.
        let explicitPath = flags[ConfigKeys.config.name] ?? environment[ConfigKeys.config.environment]
        let path = explicitPath ?? "/etc/siftd/siftd.toml"
        var file = ConfigFile()
        var usedPath: String?
        if let text = try readFile(path) {
            do {
                file = try ConfigFile(parsing: text)
            } catch {
                throw ConfigurationError("config file \(path), \(error)")
            }
            usedPath = path
        } else if explicitPath != nil {
            throw ConfigurationError("config file \(path) does not exist (set by \(flags[ConfigKeys.config.name] != nil ? "--config" : "SIFT_CONFIG")).")
        }
        let known = Set(ConfigKeys.all.map(\.name))
        if let unknown = file.values.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError("config file \(path): unknown key “\(unknown)”. Known keys: \(known.sorted().joined(separator: ", ")).")
        }

        func value(_ key: ConfigKey) -> (String, String)? {
            if let flag = flags[key.name] { return (flag, "--\(key.flag)") }
            if let env = environment[key.environment], !env.isEmpty { return (env, key.environment) }
            if let text = file.values[key.name] { return (text, "\(key.name) in \(path)") }
            return nil
        }
        func integer(_ key: ConfigKey, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let (text, origin) = value(key) else { return fallback }
            guard let number = Int(text), range.contains(number) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected a whole number from \(range.lowerBound) to \(range.upperBound).")
            }
            return number
        }

        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/root"
        var configuration = SiftdConfiguration(
            configPath: usedPath, listenHost: "127.0.0.1", listenPort: 8080,
            stateDir: environment["STATE_DIRECTORY"].flatMap(firstPath) ?? "\(home)/.local/state/siftd",
            cacheDir: environment["CACHE_DIRECTORY"].flatMap(firstPath) ?? "\(home)/.cache/siftd",
            dataDir: "\(home)/.local/share/siftd", kbSources: ["default"], logFormat: "auto", logLevel: .info,
            maxSources: 10, maxPassages: 6, server: SiftServerConfiguration())

        if let (text, origin) = value(ConfigKeys.listen) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (0...65535).contains(port)
            else {
                throw ConfigurationError("\(origin) = “\(text)”: expected host:port, like 127.0.0.1:8080.")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            configuration.listenHost = host.isEmpty ? "0.0.0.0" : host
            configuration.listenPort = port
        }
        if let (text, _) = value(ConfigKeys.stateDir) { configuration.stateDir = expandHome(text, home: home) }
        if let (text, _) = value(ConfigKeys.cacheDir) { configuration.cacheDir = expandHome(text, home: home) }
        if let (text, _) = value(ConfigKeys.dataDir) { configuration.dataDir = expandHome(text, home: home) }
        if let (text, origin) = value(ConfigKeys.kbSources) {
            let parts = text.split(separator: ",").map { expandHome($0.trimmingCharacters(in: " "), home: home) }
                .filter { !$0.isEmpty }
            guard !parts.isEmpty else { throw ConfigurationError("\(origin) is empty: use `default` or folder paths.") }
            configuration.kbSources = parts
        }
        if let (text, origin) = value(ConfigKeys.log) {
            guard ["auto", "journal", "text", "json"].contains(text) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected auto, journal, text or json.")
            }
            configuration.logFormat = text
        }
        if let (text, origin) = value(ConfigKeys.logLevel) {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected trace, debug, info, notice, warning, error or critical.")
            }
            configuration.logLevel = level
        }
        configuration.server.maxStreams = try integer(ConfigKeys.maxStreams, default: 2048, range: 1...100_000)
        configuration.server.streamBuffer = try integer(ConfigKeys.streamBuffer, default: 1024, range: 16...1_000_000)
        configuration.server.heartbeat = .seconds(try integer(ConfigKeys.heartbeatSeconds, default: 15, range: 1...3600))
        configuration.maxSources = try integer(ConfigKeys.maxSources, default: 10, range: 1...50)
        configuration.maxPassages = try integer(ConfigKeys.maxPassages, default: 6, range: 1...50)
        return configuration
    }

    /// `$STATE_DIRECTORY` may hold several colon-separated paths; the first is ours.
    private static func firstPath(_ text: String) -> String? {
        text.split(separator: ":").first.map(String.init)
    }

    private static func expandHome(_ path: String, home: String) -> String {
        path == "~" ? home : path.hasPrefix("~/") ? home + path.dropFirst() : path
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
