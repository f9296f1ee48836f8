#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle
import SiftCore
import SiftProviders
import SiftServer
import SiftSystemd
import SiftText
import NIOCore
import NIOPosix
import UnixSignals

/// `siftd`: the Sift daemon. Every option can also be set by its environment
/// variable or in the config file; `--help` lists them with their defaults.
@main
struct Siftd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siftd",
        abstract: "Sift: answers questions from its sources and streams every step over Server-Sent Events.",
        discussion: """
            A flag beats its environment variable, which beats the config file, which beats the default.
            Serves http://127.0.0.1:8080 by default: the browser client at /, the API at /v1, /metrics, /healthz, /readyz.
            See docs/configuration.md.
            """,
        version: siftVersion)

    @Option(help: ArgumentHelp(ConfigKeys.config.helpText)) var config: String?
    @Option(help: ArgumentHelp(ConfigKeys.listen.helpText)) var listen: String?
    @Option(name: .customLong("state-dir"), help: ArgumentHelp(ConfigKeys.stateDir.helpText)) var stateDir: String?
    @Option(name: .customLong("cache-dir"), help: ArgumentHelp(ConfigKeys.cacheDir.helpText)) var cacheDir: String?
    @Option(name: .customLong("data-dir"), help: ArgumentHelp(ConfigKeys.dataDir.helpText)) var dataDir: String?
    @Option(name: .customLong("kb-sources"), help: ArgumentHelp(ConfigKeys.kbSources.helpText)) var kbSources: String?
    @Option(help: ArgumentHelp(ConfigKeys.log.helpText)) var log: String?
    @Option(name: .customLong("log-level"), help: ArgumentHelp(ConfigKeys.logLevel.helpText)) var logLevel: String?
    @Option(name: .customLong("max-streams"), help: ArgumentHelp(ConfigKeys.maxStreams.helpText)) var maxStreams: String?
    @Option(name: .customLong("stream-buffer"), help: ArgumentHelp(ConfigKeys.streamBuffer.helpText)) var streamBuffer: String?
    @Option(name: .customLong("heartbeat-seconds"), help: ArgumentHelp(ConfigKeys.heartbeatSeconds.helpText))
    var heartbeatSeconds: String?
    @Option(name: .customLong("max-sources"), help: ArgumentHelp(ConfigKeys.maxSources.helpText)) var maxSources: String?
    @Option(name: .customLong("max-passages"), help: ArgumentHelp(ConfigKeys.maxPassages.helpText)) var maxPassages: String?
    @Option(name: .customLong("brave-api-key"), help: ArgumentHelp(ConfigKeys.braveAPIKey.helpText)) var braveAPIKey: String?
    @Option(name: .customLong("brave-url"), help: ArgumentHelp(ConfigKeys.braveURL.helpText)) var braveURL: String?
    @Option(name: .customLong("brave-country"), help: ArgumentHelp(ConfigKeys.braveCountry.helpText)) var braveCountry: String?
    @Option(name: .customLong("searxng-url"), help: ArgumentHelp(ConfigKeys.searxngURL.helpText)) var searxngURL: String?
    @Option(name: .customLong("search-lang"), help: ArgumentHelp(ConfigKeys.searchLanguage.helpText)) var searchLang: String?
    @Option(help: ArgumentHelp(ConfigKeys.safeSearch.helpText)) var safesearch: String?
    @Option(name: .customLong("fetch-allow-hosts"), help: ArgumentHelp(ConfigKeys.fetchAllowHosts.helpText))
    var fetchAllowHosts: String?
    @Option(name: .customLong("max-pages"), help: ArgumentHelp(ConfigKeys.maxPages.helpText)) var maxPages: String?
    @Option(name: .customLong("fetch-deadline-ms"), help: ArgumentHelp(ConfigKeys.fetchDeadlineMs.helpText))
    var fetchDeadlineMs: String?
    @Option(help: ArgumentHelp(ConfigKeys.cache.helpText)) var cache: String?
    @Option(name: .customLong("cache-max-mb"), help: ArgumentHelp(ConfigKeys.cacheMaxMB.helpText)) var cacheMaxMB: String?
    @Option(name: .customLong("cache-ttl-seconds"), help: ArgumentHelp(ConfigKeys.cacheTTLSeconds.helpText))
    var cacheTTLSeconds: String?
    @Option(name: .customLong("llm-url"), help: ArgumentHelp(ConfigKeys.llmURL.helpText)) var llmURL: String?
    @Option(name: .customLong("llm-model"), help: ArgumentHelp(ConfigKeys.llmModel.helpText)) var llmModel: String?
    @Option(name: .customLong("llm-api-key"), help: ArgumentHelp(ConfigKeys.llmAPIKey.helpText)) var llmAPIKey: String?
    @Option(name: .customLong("llm-context-tokens"), help: ArgumentHelp(ConfigKeys.llmContextTokens.helpText))
    var llmContextTokens: String?
    @Option(name: .customLong("llm-max-tokens"), help: ArgumentHelp(ConfigKeys.llmMaxTokens.helpText)) var llmMaxTokens: String?
    @Option(name: .customLong("llm-timeout-ms"), help: ArgumentHelp(ConfigKeys.llmTimeoutMs.helpText)) var llmTimeoutMs: String?
    @Option(name: .customLong("llm-merge"), help: ArgumentHelp(ConfigKeys.llmMerge.helpText)) var llmMerge: String?
    @Option(name: .customLong("llm-delta-window-ms"), help: ArgumentHelp(ConfigKeys.llmDeltaWindowMs.helpText))
    var llmDeltaWindowMs: String?
    @Option(name: .customLong("llm-allow-models"), help: ArgumentHelp(ConfigKeys.llmAllowModels.helpText))
    var llmAllowModels: String?
    @Option(name: .customLong("sessions-max"), help: ArgumentHelp(ConfigKeys.sessionsMax.helpText)) var sessionsMax: String?
    @Option(name: .customLong("session-ttl-seconds"), help: ArgumentHelp(ConfigKeys.sessionTTLSeconds.helpText))
    var sessionTTLSeconds: String?
    @Option(name: .customLong("query-retention-seconds"), help: ArgumentHelp(ConfigKeys.queryRetentionSeconds.helpText))
    var queryRetentionSeconds: String?
    @Option(name: .customLong("queries-max"), help: ArgumentHelp(ConfigKeys.queriesMax.helpText)) var queriesMax: String?
    @Option(name: .customLong("queries-max-mb"), help: ArgumentHelp(ConfigKeys.queriesMaxMB.helpText)) var queriesMaxMB: String?
    @Flag(name: .customLong("index-only"), help: "Build or refresh the knowledge-base index, then exit.") var indexOnly = false
    @Flag(name: .customLong("reindex"), help: "Rebuild the index even when it is up to date.") var reindex = false
    @Flag(name: .customLong("check-config"), help: "Resolve the configuration, print it, and exit (2 when it is bad).")
    var checkConfig = false

    /// The flags given, by config key.
    var flagValues: [String: String] {
        let pairs: [(ConfigKey, String?)] = [
            (ConfigKeys.config, config), (ConfigKeys.listen, listen), (ConfigKeys.stateDir, stateDir),
            (ConfigKeys.cacheDir, cacheDir), (ConfigKeys.dataDir, dataDir), (ConfigKeys.kbSources, kbSources),
            (ConfigKeys.log, log), (ConfigKeys.logLevel, logLevel), (ConfigKeys.maxStreams, maxStreams),
            (ConfigKeys.streamBuffer, streamBuffer), (ConfigKeys.heartbeatSeconds, heartbeatSeconds),
            (ConfigKeys.maxSources, maxSources), (ConfigKeys.maxPassages, maxPassages),
            (ConfigKeys.braveAPIKey, braveAPIKey), (ConfigKeys.braveURL, braveURL), (ConfigKeys.braveCountry, braveCountry),
            (ConfigKeys.searxngURL, searxngURL), (ConfigKeys.searchLanguage, searchLang), (ConfigKeys.safeSearch, safesearch),
            (ConfigKeys.fetchAllowHosts, fetchAllowHosts), (ConfigKeys.maxPages, maxPages),
            (ConfigKeys.fetchDeadlineMs, fetchDeadlineMs), (ConfigKeys.cache, cache), (ConfigKeys.cacheMaxMB, cacheMaxMB),
            (ConfigKeys.cacheTTLSeconds, cacheTTLSeconds), (ConfigKeys.llmURL, llmURL), (ConfigKeys.llmModel, llmModel),
            (ConfigKeys.llmAPIKey, llmAPIKey), (ConfigKeys.llmContextTokens, llmContextTokens),
            (ConfigKeys.llmMaxTokens, llmMaxTokens), (ConfigKeys.llmTimeoutMs, llmTimeoutMs), (ConfigKeys.llmMerge, llmMerge),
            (ConfigKeys.llmDeltaWindowMs, llmDeltaWindowMs), (ConfigKeys.llmAllowModels, llmAllowModels),
            (ConfigKeys.sessionsMax, sessionsMax), (ConfigKeys.sessionTTLSeconds, sessionTTLSeconds),
            (ConfigKeys.queryRetentionSeconds, queryRetentionSeconds), (ConfigKeys.queriesMax, queriesMax),
            (ConfigKeys.queriesMaxMB, queriesMaxMB),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { key, value in value.map { (key.name, $0) } })
    }

    func run() async throws {
        let environment = ProcessEnvironment.current()
        var settings: SiftdConfiguration
        do {
            settings = try SiftdConfiguration.resolve(flags: flagValues, environment: environment, readFile: ConfigFile.read(path:))
            settings.server.version = siftVersion
        } catch {
            printError("siftd: configuration: \(error)")
            throw ExitCode(2)
        }
        if checkConfig {
            print(describe(settings))
            return
        }

        let format = (LogFormat(configurationValue: settings.logFormat) ?? .auto).resolved()
        // One level for every logger, which a reload may change.
        let levels = LogLevelControl(settings.logLevel)
        LoggingSystem.bootstrap { label in levels.handler(format.makeLogHandler(label: label)) }
        let logger = Logger(label: "siftd")

        let notifier = SystemdNotifier(logger: logger)
        do {
            try await serve(settings, environment: environment, levels: levels, notifier: notifier, logger: logger)
        } catch let error as ExitCode {
            throw error
        } catch {
            logger.critical("siftd stopped: \(error)")
            _ = notifier.status("failed: \(error)")
            throw ExitCode(1)
        }
    }

    func serve(
        _ settings: SiftdConfiguration, environment: [String: String], levels: LogLevelControl,
        notifier: SystemdNotifier, logger: Logger
    ) async throws {
        // Sockets passed by systemd (siftd.socket), taken before anything else runs.
        let activation = SystemdSockets.listenFDs()
        // SIGHUP would end the process until the reloader traps it; before then (the index
        // build) a reload request is ignored rather than fatal.
        signal(SIGHUP, SIG_IGN)
        for directory in [settings.stateDir, settings.cacheDir] {
            guard makeDirectories(directory) else {
                logger.critical("cannot create directory \(directory): \(String(cString: strerror(errno)))")
                throw ExitCode(1)
            }
        }

        // The knowledge base: build or refresh the index, showing progress, then open it.
        _ = notifier.status("indexing the knowledge base")
        let sources = KnowledgeBaseSource.parse(settings.kbSources.joined(separator: ","), dataDirectory: settings.dataDir)
        let indexer = KnowledgeBaseIndexer(stateDirectory: settings.stateDir, sources: sources, logger: logger)
        let progress = ProgressPrinter(notifier: notifier)
        let report = try await indexer.build(force: reindex) { progress.show($0) }
        progress.finish(report)
        if indexOnly { return }
        let knowledgeBase = try KnowledgeBase(stateDirectory: settings.stateDir)

        let metrics = SiftMetrics(version: siftVersion)
        metrics.recordKnowledgeBase(
            documents: knowledgeBase.statistics.documents, passages: knowledgeBase.statistics.passages)
        metrics.registerReloads()

        var debugDeltaDelay: Duration?
        if let delay = environment["SIFT_DEBUG_DELTA_DELAY_MS"].flatMap(Int.init), delay > 0 {
            debugDeltaDelay = .milliseconds(delay)
            logger.warning("SIFT_DEBUG_DELTA_DELAY_MS=\(delay): answers are slowed down on purpose (tests and demos only)")
        }
        let shared = SharedParts(
            knowledgeBase: knowledgeBase, metrics: metrics,
            web: try WebTransport(settings.web, cacheDirectory: settings.cacheDir, metrics: metrics, logger: logger),
            llmClient: try LLMSetup.makeClient(maxStreams: settings.server.maxStreams, logger: logger),
            sessions: SessionStore(limits: .init(maxSessions: settings.sessionsMax, idleTimeout: settings.sessionTTL)),
            analyzer: QueryAnalyzer(), debugDeltaDelay: debugDeltaDelay, logger: logger)
        let runtime = QueryRuntime(settings, shared: shared)
        let runner = ReloadableRunner(runtime.runner, allowedModels: settings.server.allowedModels)

        let registry = StreamRegistry(capacity: settings.server.maxStreams, metrics: metrics, logger: logger)
        let serving = ServingAddress("\(settings.listenHost):\(settings.listenPort)")
        let statusLine: @Sendable () -> String = {
            "serving on \(serving.value); \(registry.activeCount) streams open; \(registry.startedCount) queries"
        }
        let flags = flagValues
        let reloader = Reloader(
            settings: settings, runtime: runtime,
            resolve: {
                var resolved = try SiftdConfiguration.resolve(
                    flags: flags, environment: environment, readFile: ConfigFile.read(path:))
                resolved.server.version = siftVersion
                return resolved
            },
            shared: shared, runner: runner, levels: levels, notifier: notifier, status: statusLine, logger: logger)

        let routes = SiftRoutes(
            runner: runner, registry: registry, metrics: metrics, configuration: settings.server,
            readiness: {
                let open = knowledgeBase.isOpen
                let current = reloader.settings
                var components = ["kb": open ? "open, \(knowledgeBase.statistics.documents) documents" : "closed"]
                for (name, state) in reloader.runtime.web.describe() { components[name] = state }
                components["llm"] = LLMSetup.describe(current.llm)
                components["sessions"] = "\(shared.sessions.count) of \(current.sessionsMax)"
                return Readiness(ready: open, components: components)
            })
        let router = routes.router()
        let eventLoops = MultiThreadedEventLoopGroup.singleton
        if environment["SIFT_DEBUG_WEDGE"] == "1" {
            DebugWedge.addRoute(to: router, eventLoops: eventLoops, logger: logger)
        }

        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in
            if let bound = channel.localAddress, let ip = bound.ipAddress, let port = bound.port {
                serving.value = bound.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
            }
            logger.notice(
                "serving",
                metadata: [
                    "address": "\(serving.value)", "documents": "\(knowledgeBase.statistics.documents)",
                    "socket": "\(activation.isEmpty ? "bound by siftd" : "socket activated")",
                ])
            _ = notifier.ready(status: "serving on \(serving.value)")
            if isatty(2) != 0 {
                printError("siftd: serving http://\(serving.value)/ (Ctrl-C to stop)")
            }
        }
        let server: any Service
        if activation.isEmpty {
            server = Application(
                router: router,
                configuration: .init(
                    address: .hostname(settings.listenHost, port: settings.listenPort), serverName: "siftd"),
                onServerRunning: onServerRunning,
                eventLoopGroupProvider: .shared(eventLoops),
                logger: logger)
        } else {
            guard
                let socket = SystemdSockets.listeningStreamSocket(in: activation, named: "http")
                    ?? SystemdSockets.listeningStreamSocket(in: activation)
            else {
                logger.critical(
                    "socket activation passed no listening stream socket",
                    metadata: ["fds": "\(activation.map { "\($0.fd):\($0.name)" }.joined(separator: ","))"])
                throw ExitCode(1)
            }
            logger.info(
                "socket activated", metadata: ["fd": "\(socket)", "names": "\(activation.map(\.name).joined(separator: ","))"])
            server = ListeningSocketServer(
                socket: socket, router: router, serverName: "siftd", eventLoopGroup: eventLoops,
                onServerRunning: onServerRunning, logger: logger)
        }

        let probe = PipelineProbe { (try? knowledgeBase.search(terms: ["system"], limit: 1)) != nil }
        let health = HealthCheck(eventLoops: eventLoops, probe: probe, logger: logger)
        let watchdog = WatchdogService(notifier: notifier, logger: logger) { await health() }
        let status = StatusReporter(notifier: notifier, registry: registry, line: statusLine, logger: logger)
        // Shutdown runs in reverse: status (STOPPING=1), registry (streams and resumable queries end with
        // done), server, query service, reloader, watchdog, and last the HTTP clients (the LLM's, the web's), which fail any transfer still open.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: shared.web.client), .init(service: shared.llmClient), .init(service: watchdog),
            .init(service: reloader),
            // Resumable queries: shut down after the server drained, so their readers end with `done`.
            .init(service: routes.queries),
            .init(service: server), .init(service: registry), .init(service: status),
        ]
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        knowledgeBase.close()
        logger.notice("stopped")
    }

    func describe(_ settings: SiftdConfiguration) -> String {
        """
        config file:   \(settings.configPath ?? "none")
        listen:        \(settings.listenHost):\(settings.listenPort)
        state dir:     \(settings.stateDir)
        cache dir:     \(settings.cacheDir)
        data dir:      \(settings.dataDir)
        kb sources:    \(settings.kbSources.joined(separator: ","))
        log:           \(settings.logFormat) (\(settings.logLevel.rawValue))
        max streams:   \(settings.server.maxStreams)
        stream buffer: \(settings.server.streamBuffer) events
        heartbeat:     \(settings.server.heartbeat)
        sources/query: \(settings.maxSources), passages: \(settings.maxPassages)
        brave:         \(settings.web.braveAPIKey == nil ? "off" : "on, \(settings.web.braveURL)")
        searxng:       \(settings.web.searxngURL ?? "off")
        pages/query:   \(settings.web.maxPages), reading deadline \(settings.web.fetchDeadline)
        fetch allow:   \(settings.web.fetchAllowHosts.isEmpty ? "none" : settings.web.fetchAllowHosts.joined(separator: ","))
        cache:         \(settings.web.cacheEnabled ? "on, \(settings.web.cacheMaxBytes >> 20) MB, \(settings.web.cacheTTL)" : "off")
        llm:           \(LLMSetup.describe(settings.llm))
        sessions:      \(settings.sessionsMax), idle timeout \(settings.sessionTTL)
        resumable:     \(settings.server.queriesMax) queries, \(settings.server.queriesMaxBytes >> 20) MiB, kept \(settings.server.queryRetention)
        """
    }
}
