import Logging
import SiftCore
import SiftProviders

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
        help: "Cache directory: the search-result and page cache (responses.sqlite) lives here.")
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
        help: "Most queries running at once (streams, one-shot answers, resumable queries); more get HTTP 503 overloaded.")
    public static let queryConcurrency = ConfigKey(
        name: "query_concurrency", environment: "SIFT_QUERY_CONCURRENCY", defaultText: "one per core",
        help: "Queries computing at once; the others wait their turn after their first status (web and LLM waits hold no turn).")
    public static let queryQueue = ConfigKey(
        name: "query_queue", environment: "SIFT_QUERY_QUEUE", defaultText: "256",
        help: "Queries that may wait for a turn to compute; more get HTTP 503 overloaded with Retry-After.")
    public static let blockingThreads = ConfigKey(
        name: "blocking_threads", environment: "SIFT_BLOCKING_THREADS", defaultText: "one per core",
        help: "Threads for work that blocks (knowledge-base searches, cache reads and writes), apart from the Swift concurrency pool.")
    public static let streamBuffer = ConfigKey(
        name: "stream_buffer", environment: "SIFT_STREAM_BUFFER", defaultText: "1024",
        help: "Events a stream reader may fall behind its query; a client further behind is dropped.")
    public static let heartbeatSeconds = ConfigKey(
        name: "heartbeat_seconds", environment: "SIFT_HEARTBEAT_SECONDS", defaultText: "15",
        help: "Seconds between `: ping` comments on an open stream.")
    public static let maxSources = ConfigKey(
        name: "max_sources", environment: "SIFT_MAX_SOURCES", defaultText: "10",
        help: "Sources kept per query.")
    public static let maxPassages = ConfigKey(
        name: "max_passages", environment: "SIFT_MAX_PASSAGES", defaultText: "6",
        help: "Passages the answer is built from.")

    public static let braveAPIKey = ConfigKey(
        name: "brave_api_key", environment: "SIFT_BRAVE_API_KEY",
        defaultText: "unset; also read from the systemd credential brave-api-key",
        help: "Brave Search API key; setting it enables Brave.")
    public static let braveURL = ConfigKey(
        name: "brave_url", environment: "SIFT_BRAVE_URL", defaultText: "https://api.search.brave.com",
        help: "Brave endpoint base (a replay server or a proxy).")
    public static let braveMode = ConfigKey(
        name: "brave_mode", environment: "SIFT_BRAVE_MODE", defaultText: "web",
        help: "Brave endpoint: web (web search, then Sift reads the pages) or llm-context (Brave's LLM Context, Search plan: page text comes with the results, so fewer pages are read).")
    public static let braveCountry = ConfigKey(
        name: "brave_country", environment: "SIFT_BRAVE_COUNTRY", defaultText: "unset (Brave chooses)",
        help: "Two-letter country Brave's results come from.")
    public static let searxngURL = ConfigKey(
        name: "searxng_url", environment: "SIFT_SEARXNG_URL", defaultText: "unset",
        help: "Base URL of a SearXNG instance with the json format enabled; setting it enables SearXNG.")
    public static let searchLanguage = ConfigKey(
        name: "search_lang", environment: "SIFT_SEARCH_LANG", defaultText: "en",
        help: "Language of web results (Brave search_lang, SearXNG language).")
    public static let safeSearch = ConfigKey(
        name: "safesearch", environment: "SIFT_SAFESEARCH", defaultText: "moderate",
        help: "Web result filtering: off, moderate or strict.")
    public static let fetchAllowHosts = ConfigKey(
        name: "fetch_allow_hosts", environment: "SIFT_FETCH_ALLOW_HOSTS", defaultText: "empty",
        help: "Comma list of hosts and CIDRs exempt from the private-address guard on fetched pages (intranets, tests).")
    public static let braveConnections = ConfigKey(
        name: "brave_connections", environment: "SIFT_BRAVE_CONNECTIONS", defaultText: "64",
        help: "Most connections open to Brave at once, its own pool: size it to the requests in flight the plan allows (rate × latency); more requests wait, at most their timeout.")
    public static let searxngConnections = ConfigKey(
        name: "searxng_connections", environment: "SIFT_SEARXNG_CONNECTIONS", defaultText: "64",
        help: "Most connections open to SearXNG at once, its own pool; more requests wait, at most their timeout.")
    public static let caFile = ConfigKey(
        name: "ca_file", environment: "SIFT_CA_FILE", defaultText: "unset (the system's CA bundle)",
        help: "PEM file of CA certificates trusted for the API upstreams (Brave, SearXNG, the LLM) in place of the system's bundle, for a private CA.")
    public static let maxPages = ConfigKey(
        name: "max_pages", environment: "SIFT_MAX_PAGES", defaultText: "5",
        help: "Web pages read per query (0 reads none: snippets only).")
    public static let fetchDeadlineMs = ConfigKey(
        name: "fetch_deadline_ms", environment: "SIFT_FETCH_DEADLINE_MS", defaultText: "5000",
        help: "How long pages may keep loading after the last provider answered; the answer is written from what arrived.")
    public static let cache = ConfigKey(
        name: "cache", environment: "SIFT_CACHE", defaultText: "on",
        help: "Cache provider responses and pages: on or off.")
    public static let cacheMaxMB = ConfigKey(
        name: "cache_max_mb", environment: "SIFT_CACHE_MAX_MB", defaultText: "256",
        help: "Most megabytes the cache keeps; the oldest entries go first.")
    public static let cacheTTLSeconds = ConfigKey(
        name: "cache_ttl_seconds", environment: "SIFT_CACHE_TTL_SECONDS", defaultText: "21600",
        help: "Seconds a cached search result or page is used before it is fetched again.")

    public static let llmURL = ConfigKey(
        name: "llm_url", environment: "SIFT_LLM_URL", defaultText: "unset (answers are extractive)",
        help: "OpenAI-compatible base URL ending in /v1 (OpenAI, Groq, OpenRouter, vLLM, llama-server, Ollama); setting it enables LLM synthesis.")
    public static let llmModel = ConfigKey(
        name: "llm_model", environment: "SIFT_LLM_MODEL", defaultText: "unset",
        help: "Model name; a comma list (a,b,c) answers with each in parallel and merges them (compare mode).")
    public static let llmAPIKey = ConfigKey(
        name: "llm_api_key", environment: "SIFT_LLM_API_KEY",
        defaultText: "unset; also read from the systemd credential llm-api-key",
        help: "Bearer key for the LLM API (local servers need none).")
    public static let llmContextTokens = ConfigKey(
        name: "llm_context_tokens", environment: "SIFT_LLM_CONTEXT_TOKENS", defaultText: "4096",
        help: "The model's context window in tokens; the prompt is cut to fit it with the answer.")
    public static let llmMaxTokens = ConfigKey(
        name: "llm_max_tokens", environment: "SIFT_LLM_MAX_TOKENS", defaultText: "400",
        help: "Most tokens an answer may have.")
    public static let llmTimeoutMs = ConfigKey(
        name: "llm_timeout_ms", environment: "SIFT_LLM_TIMEOUT_MS", defaultText: "60000",
        help: "How long the first token may take; after it, a gap of more than a quarter of this (at least 5 s) between tokens fails the answer.")
    public static let llmMerge = ConfigKey(
        name: "llm_merge", environment: "SIFT_LLM_MERGE", defaultText: "on",
        help: "In compare mode, end with a merged answer written by the first model: on or off.")
    public static let llmDeltaWindowMs = ConfigKey(
        name: "llm_delta_window_ms", environment: "SIFT_LLM_DELTA_WINDOW_MS", defaultText: "15",
        help: "Milliseconds of model text gathered into one delta; 0 sends every token as its own delta.")
    public static let llmAllowModels = ConfigKey(
        name: "llm_allow_models", environment: "SIFT_LLM_ALLOW_MODELS", defaultText: "the configured models",
        help: "Models a request may ask for with `models=` (they run on your key): a comma list, or * for any.")
    public static let openAIStatusEvents = ConfigKey(
        name: "openai_status_events", environment: "SIFT_OPENAI_STATUS_EVENTS", defaultText: "off",
        help: "Send Open WebUI status `event` objects in /v1/chat/completions streams (a request's sift_status_events overrides): on or off.")
    public static let sessionsMax = ConfigKey(
        name: "sessions_max", environment: "SIFT_SESSIONS_MAX", defaultText: "1024",
        help: "Sessions kept for follow-up questions (within 16 MiB of text in all); the least recently used goes first.")
    public static let sessionTTLSeconds = ConfigKey(
        name: "session_ttl_seconds", environment: "SIFT_SESSION_TTL_SECONDS", defaultText: "1800",
        help: "Seconds a session lives without a question.")
    public static let queryRetentionSeconds = ConfigKey(
        name: "query_retention_seconds", environment: "SIFT_QUERY_RETENTION_SECONDS", defaultText: "300",
        help: "Seconds a resumable query's events (POST /v1/queries) are kept after it ended.")
    public static let queriesMax = ConfigKey(
        name: "queries_max", environment: "SIFT_QUERIES_MAX", defaultText: "1024",
        help: "Resumable queries kept, running and finished; the oldest finished goes first.")
    public static let queriesMaxMB = ConfigKey(
        name: "queries_max_mb", environment: "SIFT_QUERIES_MAX_MB", defaultText: "64",
        help: "Megabytes of events kept over all resumable queries (one query keeps at most 8 MiB); the oldest finished go first.")

    public static let databaseURL = ConfigKey(
        name: "database_url", environment: "SIFT_DATABASE_URL",
        defaultText: "unset: the memory backend; the password may come from the systemd credential database-password",
        help: "postgres://user[:password]@host:port/db: keep event logs, leases, sessions and the cache in PostgreSQL, so that several replicas serve as one.")
    public static let queryLeaseSeconds = ConfigKey(
        name: "query_lease_seconds", environment: "SIFT_QUERY_LEASE_SECONDS", defaultText: "10",
        help: "With a database: seconds a replica's hold on a running query lasts unrenewed; after it another replica ends the query with replica_lost.")
    public static let replicaID = ConfigKey(
        name: "replica_id", environment: "SIFT_REPLICA_ID", defaultText: "hostname:port",
        help: "With a database: this replica's name in leases, logs and the replica label of its metrics.")

    public static let auth = ConfigKey(
        name: "auth", environment: "SIFT_AUTH", defaultText: "required on a non-loopback listen address, else off",
        help: "API keys: `required` (every API route needs Authorization: Bearer KEY; issue keys with `siftd keys add`) or `off`.")
    // The connection level (docs/security.md).
    public static let headerTimeoutSeconds = ConfigKey(
        name: "header_timeout_seconds", environment: "SIFT_HEADER_TIMEOUT_SECONDS", defaultText: "10",
        help: "Seconds a request head may take from its first byte; a slower one gets 408 and the connection closes.")
    public static let bodyTimeoutSeconds = ConfigKey(
        name: "body_timeout_seconds", environment: "SIFT_BODY_TIMEOUT_SECONDS", defaultText: "30",
        help: "Seconds a request body may take after its head; a slower one gets 408 and the connection closes.")
    public static let idleTimeoutSeconds = ConfigKey(
        name: "idle_timeout_seconds", environment: "SIFT_IDLE_TIMEOUT_SECONDS", defaultText: "75",
        help: "Seconds a keep-alive connection may wait for its next request; streams being written are not idle.")
    public static let maxConnections = ConfigKey(
        name: "max_connections", environment: "SIFT_MAX_CONNECTIONS",
        defaultText: "4096, lowered to fit the open-file limit",
        help: "Most HTTP connections open at once; one more is answered 503 connection_limit and closed.")
    public static let shutdownTimeoutSeconds = ConfigKey(
        name: "shutdown_timeout_seconds", environment: "SIFT_SHUTDOWN_TIMEOUT_SECONDS", defaultText: "20",
        help: "Seconds a graceful shutdown (SIGTERM) may take before what is left is cancelled; keep it below the unit's TimeoutStopSec.")
    public static let allowedHosts = ConfigKey(
        name: "allowed_hosts", environment: "SIFT_ALLOWED_HOSTS",
        defaultText: "localhost,127.0.0.1,[::1] and the listen host unless it is a wildcard",
        help: "Comma list of Host names siftd answers (DNS-rebinding guard); * answers any. Others get 421 host_not_allowed.")
    public static let allowedOrigins = ConfigKey(
        name: "allowed_origins", environment: "SIFT_ALLOWED_ORIGINS", defaultText: "none (same origin only)",
        help: "Comma list of browser origins (https://app.example) allowed to ask besides siftd's own; others get 403 origin_not_allowed.")

    /// All keys, in `--help` order.
    public static let all: [ConfigKey] = [
        config, listen, stateDir, cacheDir, dataDir, kbSources, log, logLevel, maxStreams, queryConcurrency, queryQueue,
        blockingThreads, streamBuffer,
        heartbeatSeconds, maxSources, maxPassages, braveAPIKey, braveURL, braveMode, braveCountry, searxngURL, searchLanguage,
        safeSearch, braveConnections, searxngConnections, caFile, fetchAllowHosts, maxPages, fetchDeadlineMs, cache, cacheMaxMB, cacheTTLSeconds, llmURL, llmModel,
        llmAPIKey, llmContextTokens, llmMaxTokens, llmTimeoutMs, llmMerge, llmDeltaWindowMs, llmAllowModels,
        sessionsMax, sessionTTLSeconds, queryRetentionSeconds, queriesMax, queriesMaxMB, databaseURL,
        queryLeaseSeconds, replicaID,
        openAIStatusEvents,
        headerTimeoutSeconds, bodyTimeoutSeconds, idleTimeoutSeconds, maxConnections, shutdownTimeoutSeconds,
        allowedHosts, allowedOrigins, auth,
    ]
}

/// LLM synthesis.
public struct LLMConfiguration: Sendable, Equatable {
    /// Enables LLM synthesis when set.
    public var url: String?
    public var models: [String] = []
    public var apiKey: String?
    public var contextTokens = 4096
    public var maxTokens = 400
    public var firstTokenTimeout: Duration = .seconds(60)
    public var merge = true
    /// How long model text gathers into one delta; zero: a delta per token.
    public var deltaWindow: Duration = .milliseconds(15)
    /// Models a request may name besides the configured ones; nil: any.
    public var allowedModels: [String]? = []

    public init() {}

    /// Whether answers are written by an LLM.
    public var enabled: Bool { url != nil && !models.isEmpty }
    /// Most models one question may be answered by (compare mode).
    public static let maxModels = 4

    /// The gap allowed between two tokens: a quarter of the first-token timeout, at least 5 s.
    public var tokenTimeout: Duration { max(.seconds(5), firstTokenTimeout / 4) }
}

/// Web search, page reading and the cache.
public struct WebConfiguration: Sendable, Equatable {
    /// Enables Brave when set.
    public var braveAPIKey: String?
    public var braveURL = "https://api.search.brave.com"
    /// Web search or LLM Context.
    public var braveMode: BraveSearchProvider.Mode = .web
    public var braveCountry: String?
    /// Enables SearXNG when set.
    public var searxngURL: String?
    public var searchLanguage = "en"
    /// `off`, `moderate` or `strict`.
    public var safeSearch = "moderate"
    public var fetchAllowHosts: [String] = []
    /// Connections the Brave pool may hold open (its requests in flight, over HTTP/1.1).
    public var braveConnections = 64
    /// Connections the SearXNG pool may hold open.
    public var searxngConnections = 64
    /// CA certificates for the API upstreams; nil: the system's bundle.
    public var caFile: String?
    public var maxPages = 5
    public var fetchDeadline: Duration = .seconds(5)
    public var cacheEnabled = true
    public var cacheMaxBytes = 256 << 20
    public var cacheTTL: Duration = .seconds(21_600)

    public init() {}

    /// Whether any web provider is configured.
    public var hasWebProviders: Bool { braveAPIKey != nil || searxngURL != nil }
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
    public var web: WebConfiguration
    public var llm = LLMConfiguration()
    public var sessionsMax = 1024
    public var sessionTTL: Duration = .seconds(1800)
    /// The shared store (PostgreSQL); nil for the memory backend.
    public var databaseURL: DatabaseURL?
    /// How long a replica's lease on a running query lasts unrenewed.
    public var queryLease: Duration = .seconds(10)
    /// This replica's name; nil for `hostname:port`.
    public var replicaID: String?
    /// `SIFT_AUTH` as set; nil: decided by the listen address (``authMode``).
    public var auth: AuthMode?

    /// Whether API keys are required: as `SIFT_AUTH` says, else `required` unless siftd listens on loopback.
    public var authMode: AuthMode { auth ?? (Self.isLoopback(listenHost) ? .off : .required) }

    /// Whether `host` names only this machine: `localhost`, 127.0.0.0/8 or ::1.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" || host.hasSuffix(".localhost") { return true }
        if host.hasPrefix("::ffff:") { return isLoopback(String(host.dropFirst(7))) }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { part in UInt8(part) != nil }
    }
    /// How long a graceful shutdown may take before what is left is cancelled (`SIFT_SHUTDOWN_TIMEOUT_SECONDS`).
    public var shutdownTimeout: Duration = .seconds(20)
    /// Threads of the pool knowledge-base searches and cache reads and writes run on (`SIFT_BLOCKING_THREADS`).
    public var blockingThreads = SiftServerConfiguration.defaultQueryConcurrency

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
            maxSources: 10, maxPassages: 6, server: SiftServerConfiguration(), web: WebConfiguration())

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
        configuration.server.queryConcurrency = try integer(
            ConfigKeys.queryConcurrency, default: SiftServerConfiguration.defaultQueryConcurrency, range: 1...4096)
        configuration.server.queryQueue = try integer(ConfigKeys.queryQueue, default: 256, range: 1...100_000)
        configuration.blockingThreads = try integer(
            ConfigKeys.blockingThreads, default: SiftServerConfiguration.defaultQueryConcurrency, range: 1...1024)
        configuration.server.streamBuffer = try integer(ConfigKeys.streamBuffer, default: 1024, range: 16...1_000_000)
        configuration.server.heartbeat = .seconds(try integer(ConfigKeys.heartbeatSeconds, default: 15, range: 1...3600))
        configuration.maxSources = try integer(ConfigKeys.maxSources, default: 10, range: 1...50)
        configuration.maxPassages = try integer(ConfigKeys.maxPassages, default: 6, range: 1...50)
        configuration.server.queryRetention = .seconds(
            try integer(ConfigKeys.queryRetentionSeconds, default: 300, range: 1...86_400))
        configuration.server.queriesMax = try integer(ConfigKeys.queriesMax, default: 1024, range: 1...100_000)
        configuration.server.queriesMaxBytes = try integer(ConfigKeys.queriesMaxMB, default: 64, range: 1...65_536) << 20

        // The web: providers, fetching, cache.
        var web = WebConfiguration()
        if let (text, _) = value(ConfigKeys.braveAPIKey) {
            web.braveAPIKey = text.trimmingCharacters(in: " \n")
        } else if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
            let key = try readFile(directory + "/brave-api-key")
        {
            web.braveAPIKey = key.trimmingCharacters(in: " \n")
        }
        if web.braveAPIKey?.isEmpty == true { web.braveAPIKey = nil }
        func url(_ key: ConfigKey) throws(ConfigurationError) -> String? {
            guard let (text, origin) = value(key) else { return nil }
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), text.count > 8 else {
                throw ConfigurationError("\(origin) = “\(text)”: expected an http:// or https:// URL.")
            }
            return text
        }
        web.braveURL = try url(ConfigKeys.braveURL) ?? web.braveURL
        web.searxngURL = try url(ConfigKeys.searxngURL)
        if let (text, origin) = value(ConfigKeys.braveMode) {
            guard let mode = BraveSearchProvider.Mode(rawValue: text.lowercased()) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected web or llm-context.")
            }
            web.braveMode = mode
        }
        if let (text, origin) = value(ConfigKeys.braveCountry) {
            guard text.count == 2, text.allSatisfy(\.isLetter) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected a two-letter country code, like us or de.")
            }
            web.braveCountry = text.lowercased()
        }
        if let (text, origin) = value(ConfigKeys.searchLanguage) {
            guard (2...8).contains(text.count), text.allSatisfy({ $0.isLetter || $0 == "-" }) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected a language code, like en or pt-br.")
            }
            web.searchLanguage = text.lowercased()
        }
        if let (text, origin) = value(ConfigKeys.safeSearch) {
            guard ["off", "moderate", "strict"].contains(text) else {
                throw ConfigurationError("\(origin) = “\(text)”: expected off, moderate or strict.")
            }
            web.safeSearch = text
        }
        if let (text, _) = value(ConfigKeys.fetchAllowHosts) {
            web.fetchAllowHosts = text.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        }
        web.braveConnections = try integer(ConfigKeys.braveConnections, default: 64, range: 1...1024)
        web.searxngConnections = try integer(ConfigKeys.searxngConnections, default: 64, range: 1...1024)
        if let (text, _) = value(ConfigKeys.caFile) { web.caFile = expandHome(text, home: home) }
        web.maxPages = try integer(ConfigKeys.maxPages, default: 5, range: 0...20)
        web.fetchDeadline = .milliseconds(try integer(ConfigKeys.fetchDeadlineMs, default: 5000, range: 100...60_000))
        if let (text, origin) = value(ConfigKeys.cache) {
            switch text.lowercased() {
            case "on", "true", "yes", "1": web.cacheEnabled = true
            case "off", "false", "no", "0": web.cacheEnabled = false
            default: throw ConfigurationError("\(origin) = “\(text)”: expected on or off.")
            }
        }
        web.cacheMaxBytes = try integer(ConfigKeys.cacheMaxMB, default: 256, range: 1...1_000_000) << 20
        web.cacheTTL = .seconds(try integer(ConfigKeys.cacheTTLSeconds, default: 21_600, range: 1...31_536_000))
        configuration.web = web

        // LLM synthesis and sessions.
        var llm = LLMConfiguration()
        llm.url = try url(ConfigKeys.llmURL)
        func models(_ key: ConfigKey) throws(ConfigurationError) -> [String]? {
            guard let (text, origin) = value(key) else { return nil }
            do {
                return try QueryOptions.validate(models: text.split(separator: ",").map(String.init), limit: nil) ?? []
            } catch {
                throw ConfigurationError("\(origin): \(error.message)")
            }
        }
        llm.models = try models(ConfigKeys.llmModel) ?? []
        guard llm.models.count <= QueryOptions.maxModels else {
            throw ConfigurationError(
                "\(ConfigKeys.llmModel.environment) names \(llm.models.count) models; compare mode takes at most \(QueryOptions.maxModels).")
        }
        if let (text, _) = value(ConfigKeys.llmAllowModels), text.trimmingCharacters(in: " ") == "*" {
            llm.allowedModels = nil
        } else {
            llm.allowedModels = try models(ConfigKeys.llmAllowModels) ?? []
        }
        if let (text, _) = value(ConfigKeys.llmAPIKey) {
            llm.apiKey = text.trimmingCharacters(in: " \t\r\n")
        } else if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
            let key = try readFile(directory + "/llm-api-key")
        {
            llm.apiKey = key.trimmingCharacters(in: " \t\r\n")
        }
        if llm.apiKey?.isEmpty == true { llm.apiKey = nil }
        if llm.url != nil && llm.models.isEmpty {
            throw ConfigurationError(
                "\(ConfigKeys.llmURL.environment) is set but no model is: set \(ConfigKeys.llmModel.environment) to the model's name (a comma list compares several).")
        }
        if llm.url == nil && !llm.models.isEmpty {
            throw ConfigurationError(
                "\(ConfigKeys.llmModel.environment) is set but \(ConfigKeys.llmURL.environment) is not: set it to the API's base URL, like http://127.0.0.1:8081/v1.")
        }
        llm.contextTokens = try integer(ConfigKeys.llmContextTokens, default: 4096, range: 256...2_000_000)
        llm.maxTokens = try integer(ConfigKeys.llmMaxTokens, default: 400, range: 16...32_768)
        guard llm.maxTokens * 2 <= llm.contextTokens else {
            throw ConfigurationError(
                "\(ConfigKeys.llmMaxTokens.environment) = \(llm.maxTokens) leaves too little of the \(llm.contextTokens)-token context for the sources: keep it at most half of \(ConfigKeys.llmContextTokens.environment).")
        }
        llm.firstTokenTimeout = .milliseconds(try integer(ConfigKeys.llmTimeoutMs, default: 60_000, range: 500...600_000))
        if let (text, origin) = value(ConfigKeys.llmMerge) {
            switch text.lowercased() {
            case "on", "true", "yes", "1": llm.merge = true
            case "off", "false", "no", "0": llm.merge = false
            default: throw ConfigurationError("\(origin) = “\(text)”: expected on or off.")
            }
        }
        llm.deltaWindow = .milliseconds(try integer(ConfigKeys.llmDeltaWindowMs, default: 15, range: 0...1000))
        configuration.llm = llm
        configuration.server.allowedModels = llm.enabled ? llm.allowedModels.map { Set($0 + llm.models) } : nil
        configuration.server.llmModels = llm.enabled ? llm.models : []
        if let (text, origin) = value(ConfigKeys.openAIStatusEvents) {
            switch text.lowercased() {
            case "on", "true", "yes", "1": configuration.server.openAIStatusEvents = true
            case "off", "false", "no", "0": configuration.server.openAIStatusEvents = false
            default: throw ConfigurationError("\(origin) = “\(text)”: expected on or off.")
            }
        }
        configuration.sessionsMax = try integer(ConfigKeys.sessionsMax, default: 1024, range: 1...100_000)
        configuration.sessionTTL = .seconds(try integer(ConfigKeys.sessionTTLSeconds, default: 1800, range: 10...604_800))

        // The shared store.
        if let (text, origin) = value(ConfigKeys.databaseURL), !text.isEmpty {
            var url: DatabaseURL
            do {
                url = try DatabaseURL(parsing: text)
            } catch {
                throw ConfigurationError("\(origin): \(error.message)")
            }
            if url.password == nil, let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty,
                let password = try readFile(directory + "/database-password")
            {
                url.password = password.trimmingCharacters(in: "\n")
            }
            configuration.databaseURL = url
        }
        configuration.queryLease = .seconds(try integer(ConfigKeys.queryLeaseSeconds, default: 10, range: 2...3600))
        if let (text, origin) = value(ConfigKeys.replicaID) {
            guard (1...128).contains(text.utf8.count), text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") })
            else {
                throw ConfigurationError("\(origin) = “\(text.prefix(40))”: expected 1–128 printable characters without spaces or quotes.")
            }
            configuration.replicaID = text
        }
        if let (text, origin) = value(ConfigKeys.auth) {
            guard let mode = AuthMode(rawValue: text.lowercased()) else {
                throw ConfigurationError("\(origin) = “\(text.prefix(40))”: expected required or off.")
            }
            configuration.auth = mode
        }

        // The connection level.
        configuration.server.connections.headerTimeout = .seconds(
            try integer(ConfigKeys.headerTimeoutSeconds, default: 10, range: 1...600))
        configuration.server.connections.bodyTimeout = .seconds(
            try integer(ConfigKeys.bodyTimeoutSeconds, default: 30, range: 1...3600))
        configuration.server.connections.idleTimeout = .seconds(
            try integer(ConfigKeys.idleTimeoutSeconds, default: 75, range: 1...3600))
        configuration.server.connections.maxConnections = try integer(
            ConfigKeys.maxConnections, default: 4096, range: 8...1_000_000)
        configuration.shutdownTimeout = .seconds(try integer(ConfigKeys.shutdownTimeoutSeconds, default: 20, range: 1...3600))
        if let (text, origin) = value(ConfigKeys.allowedHosts) {
            let names = text.split(separator: ",").map { $0.trimmingCharacters(in: " ").lowercased() }.filter { !$0.isEmpty }
            guard !names.isEmpty else { throw ConfigurationError("\(origin) is empty: list host names, or * for any.") }
            configuration.server.allowedHosts = names.contains("*") ? nil : names
        } else {
            configuration.server.allowedHosts = HostPolicy.defaultNames(listenHost: configuration.listenHost)
        }
        if let (text, origin) = value(ConfigKeys.allowedOrigins) {
            var origins: [String] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: " ") }) where !item.isEmpty {
                guard let normalized = OriginPolicy.normalize(origin: item) else {
                    throw ConfigurationError("\(origin): “\(item.prefix(60))” is not an origin like https://app.example or http://host:8080.")
                }
                origins.append(normalized)
            }
            configuration.server.allowedOrigins = origins
        }
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
