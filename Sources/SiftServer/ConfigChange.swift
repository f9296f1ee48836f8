import Logging
import SiftProviders

/// Which settings differ between two configurations, by config-file key.
public enum ConfigChange {
    /// Keys a running siftd cannot change: they shape the listener, the index, the
    /// stream registry, the HTTP clients, the cache and the session store.
    public static let needsRestart: Set<String> = [
        ConfigKeys.listen.name, ConfigKeys.stateDir.name, ConfigKeys.cacheDir.name, ConfigKeys.dataDir.name,
        ConfigKeys.kbSources.name, ConfigKeys.log.name, ConfigKeys.maxStreams.name, ConfigKeys.streamBuffer.name,
        ConfigKeys.queryConcurrency.name, ConfigKeys.queryQueue.name, ConfigKeys.blockingThreads.name,
        ConfigKeys.heartbeatSeconds.name, ConfigKeys.fetchAllowHosts.name, ConfigKeys.cache.name,
        ConfigKeys.cacheMaxMB.name, ConfigKeys.sessionsMax.name, ConfigKeys.sessionTTLSeconds.name,
        ConfigKeys.queryRetentionSeconds.name, ConfigKeys.queriesMax.name, ConfigKeys.queriesMaxMB.name,
        ConfigKeys.databaseURL.name, ConfigKeys.queryLeaseSeconds.name, ConfigKeys.replicaID.name,
        ConfigKeys.auth.name,
        // The HTTP server and its guards are built once, at start.
        ConfigKeys.headerTimeoutSeconds.name, ConfigKeys.bodyTimeoutSeconds.name, ConfigKeys.idleTimeoutSeconds.name,
        ConfigKeys.maxConnections.name, ConfigKeys.shutdownTimeoutSeconds.name, ConfigKeys.allowedHosts.name,
        ConfigKeys.allowedOrigins.name,
    ]

    /// Every key whose resolved value differs (keys only: never a value, since keys may be secrets).
    public static func changed(from old: SiftdConfiguration, to new: SiftdConfiguration) -> [String] {
        let fields: [(ConfigKey, @Sendable (SiftdConfiguration) -> String)] = [
            (ConfigKeys.config, { $0.configPath ?? "" }),
            (ConfigKeys.listen, { "\($0.listenHost):\($0.listenPort)" }),
            (ConfigKeys.stateDir, { $0.stateDir }), (ConfigKeys.cacheDir, { $0.cacheDir }),
            (ConfigKeys.dataDir, { $0.dataDir }), (ConfigKeys.kbSources, { $0.kbSources.joined(separator: ",") }),
            (ConfigKeys.log, { $0.logFormat }), (ConfigKeys.logLevel, { $0.logLevel.rawValue }),
            (ConfigKeys.maxStreams, { "\($0.server.maxStreams)" }),
            (ConfigKeys.streamBuffer, { "\($0.server.streamBuffer)" }),
            (ConfigKeys.queryConcurrency, { "\($0.server.queryConcurrency)" }),
            (ConfigKeys.queryQueue, { "\($0.server.queryQueue)" }),
            (ConfigKeys.blockingThreads, { "\($0.blockingThreads)" }),
            (ConfigKeys.heartbeatSeconds, { "\($0.server.heartbeat)" }),
            (ConfigKeys.maxSources, { "\($0.maxSources)" }), (ConfigKeys.maxPassages, { "\($0.maxPassages)" }),
            (ConfigKeys.braveAPIKey, { $0.web.braveAPIKey ?? "" }), (ConfigKeys.braveURL, { $0.web.braveURL }),
            (ConfigKeys.braveMode, { $0.web.braveMode.rawValue }),
            (ConfigKeys.braveCountry, { $0.web.braveCountry ?? "" }),
            (ConfigKeys.searxngURL, { $0.web.searxngURL ?? "" }),
            (ConfigKeys.searchLanguage, { $0.web.searchLanguage }), (ConfigKeys.safeSearch, { $0.web.safeSearch }),
            (ConfigKeys.fetchAllowHosts, { $0.web.fetchAllowHosts.joined(separator: ",") }),
            (ConfigKeys.maxPages, { "\($0.web.maxPages)" }),
            (ConfigKeys.fetchDeadlineMs, { "\($0.web.fetchDeadline)" }),
            (ConfigKeys.cache, { "\($0.web.cacheEnabled)" }), (ConfigKeys.cacheMaxMB, { "\($0.web.cacheMaxBytes)" }),
            (ConfigKeys.cacheTTLSeconds, { "\($0.web.cacheTTL)" }),
            (ConfigKeys.llmURL, { $0.llm.url ?? "" }), (ConfigKeys.llmModel, { $0.llm.models.joined(separator: ",") }),
            (ConfigKeys.llmAPIKey, { $0.llm.apiKey ?? "" }),
            (ConfigKeys.llmContextTokens, { "\($0.llm.contextTokens)" }),
            (ConfigKeys.llmMaxTokens, { "\($0.llm.maxTokens)" }),
            (ConfigKeys.llmTimeoutMs, { "\($0.llm.firstTokenTimeout)" }), (ConfigKeys.llmMerge, { "\($0.llm.merge)" }),
            (ConfigKeys.llmDeltaWindowMs, { "\($0.llm.deltaWindow)" }),
            (ConfigKeys.llmAllowModels, { "\($0.server.allowedModels.map { $0.sorted() } ?? ["*"])" }),
            (ConfigKeys.openAIStatusEvents, { "\($0.server.openAIStatusEvents)" }),
            (ConfigKeys.sessionsMax, { "\($0.sessionsMax)" }),
            (ConfigKeys.sessionTTLSeconds, { "\($0.sessionTTL)" }),
            (ConfigKeys.queryRetentionSeconds, { "\($0.server.queryRetention)" }),
            (ConfigKeys.queriesMax, { "\($0.server.queriesMax)" }),
            (ConfigKeys.queriesMaxMB, { "\($0.server.queriesMaxBytes)" }),
            (ConfigKeys.databaseURL, { "\($0.databaseURL.map { "\($0)|\($0.password ?? "")" } ?? "")" }),
            (ConfigKeys.queryLeaseSeconds, { "\($0.queryLease)" }),
            (ConfigKeys.replicaID, { $0.replicaID ?? "" }),
            (ConfigKeys.auth, { $0.auth?.rawValue ?? "" }),
            (ConfigKeys.headerTimeoutSeconds, { "\($0.server.connections.headerTimeout)" }),
            (ConfigKeys.bodyTimeoutSeconds, { "\($0.server.connections.bodyTimeout)" }),
            (ConfigKeys.idleTimeoutSeconds, { "\($0.server.connections.idleTimeout)" }),
            (ConfigKeys.maxConnections, { "\($0.server.connections.maxConnections)" }),
            (ConfigKeys.shutdownTimeoutSeconds, { "\($0.shutdownTimeout)" }),
            (ConfigKeys.allowedHosts, { $0.server.allowedHosts?.joined(separator: ",") ?? "*" }),
            (ConfigKeys.allowedOrigins, { $0.server.allowedOrigins.joined(separator: ",") }),
        ]
        return fields.compactMap { key, value in value(old) == value(new) ? nil : key.name }
    }

    /// `new` with every restart-only setting taken from `old`.
    public static func keepingRestartOnly(_ new: SiftdConfiguration, from old: SiftdConfiguration) -> SiftdConfiguration {
        var kept = new
        kept.listenHost = old.listenHost
        kept.listenPort = old.listenPort
        kept.stateDir = old.stateDir
        kept.cacheDir = old.cacheDir
        kept.dataDir = old.dataDir
        kept.kbSources = old.kbSources
        kept.logFormat = old.logFormat
        kept.server.maxStreams = old.server.maxStreams
        kept.server.streamBuffer = old.server.streamBuffer
        kept.server.queryConcurrency = old.server.queryConcurrency
        kept.server.queryQueue = old.server.queryQueue
        kept.blockingThreads = old.blockingThreads
        kept.server.heartbeat = old.server.heartbeat
        kept.server.maxBodyBytes = old.server.maxBodyBytes
        kept.server.queryRetention = old.server.queryRetention
        kept.server.queriesMax = old.server.queriesMax
        kept.server.queriesMaxBytes = old.server.queriesMaxBytes
        kept.web.fetchAllowHosts = old.web.fetchAllowHosts
        kept.web.cacheEnabled = old.web.cacheEnabled
        kept.web.cacheMaxBytes = old.web.cacheMaxBytes
        kept.sessionsMax = old.sessionsMax
        kept.sessionTTL = old.sessionTTL
        kept.databaseURL = old.databaseURL
        kept.queryLease = old.queryLease
        kept.replicaID = old.replicaID
        kept.auth = old.auth
        kept.server.connections = old.server.connections
        kept.shutdownTimeout = old.shutdownTimeout
        kept.server.allowedHosts = old.server.allowedHosts
        kept.server.allowedOrigins = old.server.allowedOrigins
        return kept
    }
}
