#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
#if SIFT_SYNC_MAIN
import Dispatch
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import SiftCore
import SiftProviders
import SiftPostgres
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
            See docs/configuration.md. `siftd keys add|list|revoke` manages API keys (docs/security.md).

            """ + ConfigFlags.helpText(),
        version: siftVersion)

    /// Every setting, as `--flag value`: the flags are derived from ``ConfigKeys`` (``ConfigFlags``),
    /// so a key is declared once; `--help` lists them in its discussion.
    @Argument(parsing: .allUnrecognized, help: .hidden) var settingFlags: [String] = []
    @Flag(name: .customLong("index-only"), help: "Build or refresh the knowledge-base index, then exit.") var indexOnly = false
    @Flag(name: .customLong("reindex"), help: "Rebuild the index even when it is up to date.") var reindex = false
    @Flag(name: .customLong("check-config"), help: "Resolve the configuration, print it, and exit (2 when it is bad).")
    var checkConfig = false

    #if SIFT_SYNC_MAIN
    /// The entry `make profile` builds (`-DSIFT_SYNC_MAIN`): valgrind 3.19 dies when an async main
    /// hands the main thread to `dispatch_main` (which ends it with `pthread_exit`), so this main
    /// runs the same entry on a task and parks the main thread until it returns. Nothing in siftd
    /// runs on the main actor, so nothing waits for that thread.
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        // Detached: a task started here would inherit the main actor, whose thread waits below.
        Task.detached {
            await entry()
            finished.signal()
        }
        finished.wait()
    }
    #else
    static func main() async {
        await entry()
    }
    #endif

    /// `siftd keys …` manages API keys; anything else is the daemon's flags, as before keys existed.
    static func entry() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "keys" {
            await KeysCommand.main(Array(arguments.dropFirst()))
        } else {
            await main(arguments)
        }
    }

    func run() async throws {
        let environment = ProcessEnvironment.current()
        var settings: SiftdConfiguration
        do {
            let flags = try ConfigFlags.parse(settingFlags)
            settings = try SiftdConfiguration.resolve(flags: flags, environment: environment, readFile: ConfigFile.read(path:))
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
        let replica = settings.replicaID ?? "\(hostName()):\(settings.listenPort)"
        metrics.registerReplica(replica)

        // The shared store (PostgreSQL), when SIFT_DATABASE_URL is set: its pool and listener run
        // for as long as siftd serves; it must answer and hold a schema this siftd knows before
        // anything is served.
        guard let url = settings.databaseURL else {
            try await serve(
                settings, environment: environment, levels: levels, notifier: notifier, logger: logger,
                knowledgeBase: knowledgeBase, metrics: metrics, database: nil, activation: activation)
            return
        }
        let sessionLimits = SessionStore.Limits(maxSessions: settings.sessionsMax, idleTimeout: settings.sessionTTL)
        let database = PostgresStore(
            url: url, replica: replica, leaseDuration: settings.queryLease, sessionLimits: sessionLimits,
            cacheMaxBytes: settings.web.cacheMaxBytes, metrics: StoreMetrics(metrics: metrics, replica: replica),
            cacheObserver: metrics, logger: logger)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await database.run() }
            _ = notifier.status("connecting to PostgreSQL at \(url.endpoint)")
            do {
                try await database.prepare()
            } catch {
                logger.critical("database: \(error)", metadata: ["database": "\(url)"])
                printError("siftd: database: \(error)")
                throw ExitCode(2)
            }
            logger.notice("shared store ready", metadata: ["database": "\(url)", "replica": "\(replica)"])
            try await serve(
                settings, environment: environment, levels: levels, notifier: notifier, logger: logger,
                knowledgeBase: knowledgeBase, metrics: metrics, database: database, activation: activation)
            group.cancelAll()
        }
    }

    /// Serves until shutdown, with the memory backend (`database` nil) or the PostgreSQL one.
    func serve(
        _ settings: SiftdConfiguration, environment: [String: String], levels: LogLevelControl,
        notifier: SystemdNotifier, logger: Logger, knowledgeBase: KnowledgeBase, metrics: SiftMetrics,
        database: PostgresStore?, activation: [(fd: Int32, name: String)]
    ) async throws {

        var debugDeltaDelay: Duration?
        if let delay = environment["SIFT_DEBUG_DELTA_DELAY_MS"].flatMap(Int.init), delay > 0 {
            debugDeltaDelay = .milliseconds(delay)
            logger.warning("SIFT_DEBUG_DELTA_DELAY_MS=\(delay): answers are slowed down on purpose (tests and demos only)")
        }
        // Index searches and cache reads and writes block their thread: they get threads of their own.
        let blockingPool = NIOThreadPool(numberOfThreads: settings.blockingThreads)
        blockingPool.start()
        let shared = SharedParts(
            knowledgeBase: knowledgeBase, metrics: metrics,
            web: try WebTransport(
                settings.web, cacheDirectory: settings.cacheDir, sharedCache: database, metrics: metrics, logger: logger),
            llmClient: try LLMSetup.makeClient(
                maxStreams: settings.server.maxStreams, caFile: settings.web.caFile, metrics: metrics, logger: logger),
            sessions: database
                ?? SessionStore(limits: .init(maxSessions: settings.sessionsMax, idleTimeout: settings.sessionTTL)),
            analyzer: QueryAnalyzer(), blocking: BlockingWorkExecutor(pool: blockingPool), debugDeltaDelay: debugDeltaDelay,
            logger: logger)
        // API keys (SIFT_AUTH=required): from the database when there is one, else the state directory.
        var keyGate: KeyGate?
        // Under socket activation the address is the socket's, not `listen`'s.
        var authMode = settings.authMode
        var listenHost = settings.listenHost
        if settings.auth == nil,
            let socket = SystemdSockets.listeningStreamSocket(in: activation, named: "http")
                ?? SystemdSockets.listeningStreamSocket(in: activation),
            let host = Self.localHost(of: socket)
        {
            listenHost = host
            authMode = SiftdConfiguration.isLoopback(host) ? .off : .required
        }
        if authMode == .required {
            let keyStore: any KeyStoring
            if let database { keyStore = database } else { keyStore = KeyFile(stateDirectory: settings.stateDir) }
            let gate = KeyGate(
                store: keyStore, metrics: metrics, logger: logger,
                refreshInterval: database == nil ? .seconds(5) : .seconds(2))
            do {
                try await gate.load()
            } catch {
                logger.critical("cannot read the API keys: \(error)")
                printError("siftd: cannot read the API keys: \(error)")
                throw ExitCode(2)
            }
            guard gate.count > 0 else {
                let why =
                    settings.auth == .required
                    ? "SIFT_AUTH=required" : "siftd listens on \(listenHost), not loopback, so API keys are required"
                let message =
                    "\(why), but no API key exists. Issue one with `siftd keys add NAME --scopes query` (it prints the key once), "
                    + "or serve without keys with SIFT_AUTH=off (anyone who reaches the port may ask, and spend your Brave and LLM budget)."
                logger.critical("\(message)")
                printError("siftd: \(message)")
                throw ExitCode(2)
            }
            logger.notice("API keys required", metadata: ["keys": "\(gate.count)"])
            keyGate = gate
        } else if !SiftdConfiguration.isLoopback(listenHost) {
            logger.warning("SIFT_AUTH=off on \(listenHost): anyone who reaches the port may ask, read /metrics and spend the budget")
        }
        let runtime = QueryRuntime(settings, shared: shared)
        let runner = ReloadableRunner(runtime.runner, allowedModels: settings.server.allowedModels)

        let registry = StreamRegistry(capacity: settings.server.maxStreams, metrics: metrics, logger: logger)
        let serving = ServingAddress("\(settings.listenHost):\(settings.listenPort)")
        let admission = AdmissionQueue(
            concurrency: settings.server.queryConcurrency, queueLimit: settings.server.queryQueue, metrics: metrics)
        let statusLine: @Sendable () -> String = {
            "serving on \(serving.value); \(registry.activeCount) streams open; \(registry.startedCount) queries; "
                + "\(admission.running) computing, \(admission.waiting) waiting"
        }
        let flags = try ConfigFlags.parse(settingFlags)  // parsed once already in run(): this cannot fail here
        let reloader = Reloader(
            settings: settings, runtime: runtime,
            resolve: {
                var resolved = try SiftdConfiguration.resolve(
                    flags: flags, environment: environment, readFile: ConfigFile.read(path:))
                resolved.server.version = siftVersion
                return resolved
            },
            shared: shared, runner: runner, levels: levels, notifier: notifier, status: statusLine, logger: logger,
            keys: keyGate)

        let memorySessions = shared.sessions as? SessionStore
        var routes = SiftRoutes(
            runner: runner, registry: registry, metrics: metrics, configuration: settings.server,
            shared: database, storeMetrics: database?.metrics,
            readiness: {
                let open = knowledgeBase.isOpen
                let current = reloader.settings
                var components = ["kb": open ? "open, \(knowledgeBase.statistics.documents) documents" : "closed"]
                for (name, state) in reloader.runtime.web.describe() { components[name] = state }
                components["llm"] = LLMSetup.describe(current.llm)
                components["sessions"] =
                    memorySessions.map { "\($0.count) of \(current.sessionsMax)" } ?? "shared (the database's sift_sessions)"
                guard let database else {
                    components["store"] = "memory"
                    return Readiness(ready: open, components: components)
                }
                let health = database.health
                components["store"] = health.healthy ? "postgres ok" : health.detail
                components["replica"] = database.replica
                return Readiness(ready: open && health.healthy, components: components)
            },
            chatModels: { ChatModelCatalog(reloader.settings.server) }, keyGate: keyGate, admission: admission)
        // The MCP tool sift_fetch reads pages with the pipeline's client and guard, more of each page than a query keeps.
        routes.pageReader = WebPageFetcher(
            configuration: .init(timeout: .seconds(10), idleTimeout: .seconds(5), cacheTTL: settings.web.cacheTTL, maxPassages: 400),
            client: shared.web.client, cache: shared.web.cache, logger: logger)
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
        let binding: SiftHTTPServer.Binding
        if activation.isEmpty {
            binding = .hostPort(settings.listenHost, settings.listenPort)
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
            binding = .socket(socket)
        }
        let server = SiftHTTPServer(
            binding: binding, router: router, serverName: "siftd", limits: settings.server.connections, metrics: metrics,
            eventLoopGroup: eventLoops, onServerRunning: onServerRunning, logger: logger)

        let probe = PipelineProbe { (try? knowledgeBase.search(terms: ["system"], limit: 1)) != nil }
        let health = HealthCheck(eventLoops: eventLoops, probe: probe, logger: logger)
        let watchdog = WatchdogService(notifier: notifier, logger: logger) { await health() }
        let status = StatusReporter(notifier: notifier, registry: registry, line: statusLine, logger: logger)
        // Shutdown runs in reverse: status (STOPPING=1), registry (streams and resumable queries end with
        // done), server, query service, reloader, watchdog, and last the HTTP clients (the LLM's, the APIs', the pages'), which fail any transfer still open.
        let clients: [ServiceGroupConfiguration.ServiceConfiguration] =
            (shared.web.clients + [shared.llmClient]).map { .init(service: $0) }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = clients + [
            .init(service: watchdog),
            .init(service: reloader),
        ] + (keyGate.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
            // Resumable queries: shut down after the server drained, so their readers end with `done`.
            .init(service: routes.queries),
            .init(service: server), .init(service: registry), .init(service: status),
        ]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Whatever clients do (a body that never ends, a stream that will not), shutdown ends within this,
        // below TimeoutStopSec (30 s in systemd/siftd.service): what is left then is cancelled.
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        try? await blockingPool.shutdownGracefully()
        knowledgeBase.close()
        logger.notice("stopped")
    }

    /// The address a listening socket is bound to (`0.0.0.0`, `::`, `127.0.0.1` …), or nil.
    static func localHost(of socket: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let got = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard got == 0 else { return nil }
        var text = [CChar](repeating: 0, count: 128)
        let named = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
            }
        }
        guard named == 0 else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
        computing:     \(settings.server.queryConcurrency) queries at once, \(settings.server.queryQueue) may wait
        blocking pool: \(settings.blockingThreads) threads
        stream buffer: \(settings.server.streamBuffer) events
        heartbeat:     \(settings.server.heartbeat)
        sources/query: \(settings.maxSources), passages: \(settings.maxPassages)
        brave:         \(settings.web.braveAPIKey == nil ? "off" : "on, \(settings.web.braveURL), \(settings.web.braveMode.rawValue)")
        searxng:       \(settings.web.searxngURL ?? "off")
        pages/query:   \(settings.web.maxPages), reading deadline \(settings.web.fetchDeadline)
        fetch allow:   \(settings.web.fetchAllowHosts.isEmpty ? "none" : settings.web.fetchAllowHosts.joined(separator: ","))
        cache:         \(settings.web.cacheEnabled ? "on, \(settings.web.cacheMaxBytes >> 20) MB, \(settings.web.cacheTTL)" : "off")
        llm:           \(LLMSetup.describe(settings.llm))
        sessions:      \(settings.sessionsMax), idle timeout \(settings.sessionTTL)
        resumable:     \(settings.server.queriesMax) queries, \(settings.server.queriesMaxBytes >> 20) MiB, kept \(settings.server.queryRetention)
        store:         \(settings.databaseURL.map { "postgres, \($0) (sslmode \($0.tls.rawValue)), lease \(settings.queryLease)" } ?? "memory")
        replica:       \(settings.replicaID ?? "hostname:port")
        auth:          \(settings.authMode.rawValue)\(settings.auth == nil ? " (by the listen address)" : "")
        connections:   at most \(settings.server.connections.maxConnections), timeouts header \(settings.server.connections.headerTimeout), body \(settings.server.connections.bodyTimeout), idle \(settings.server.connections.idleTimeout)
        hosts:         \(settings.server.allowedHosts?.joined(separator: ",") ?? "any")
        origins:       \(settings.server.allowedOrigins.isEmpty ? "same origin only" : settings.server.allowedOrigins.joined(separator: ","))
        shutdown:      within \(settings.shutdownTimeout)
        """
    }
}
