import ArgumentParser
import Hummingbird
import Logging
import SiftReplay

/// `sift-replay`: the Brave and SearXNG replay servers, the page server and the scripted
/// chat server as a process, so that an operator can try Sift's web mode without a key
/// and benchmark its LLM path without a model.
@main
struct SiftReplayCommand: AsyncParsableCommand {
    enum Service: String, ExpressibleByArgument, CaseIterable {
        case brave, searxng, pages, llm, all
    }

    static let configuration = CommandConfiguration(
        commandName: "sift-replay",
        abstract: "Serve faithful replays of the Brave Search API and a SearXNG instance, and a scripted chat server, on loopback.",
        discussion: """
            One service listens on --port. With --service all, each service has its own port:
              brave    on PORT      GET /res/v1/web/search and /res/v1/llm/context  (header X-Subscription-Token: a --brave-key)
                                    GET /_replay/timings: the replay's own time per request (answer built, sleep late), p50/p99 ms;
                                    POST /_replay/timings/reset
              searxng  on PORT + 1  GET|POST /search?q=...&format=json, / redirects there
              pages    on PORT + 2  the result pages, at /{host}/{path}, and the misbehaving test pages
            With --service all, result URLs point at the page server unless --pages-base says otherwise.
            --service llm (not part of all) serves a scripted OpenAI-compatible chat server on PORT:
              POST /v1/chat/completions streams --llm-tokens tokens (or --llm-answer's words), --llm-token-interval-ms apart;
              GET /v1/models; GET /stats reports each request's timings as JSON; POST /stats/reset.
            Example: sift-replay --port 8091 --service all, then give siftd
              SIFT_BRAVE_URL=http://127.0.0.1:8091 SIFT_BRAVE_API_KEY=replay-key
              SIFT_SEARXNG_URL=http://127.0.0.1:8092 SIFT_FETCH_ALLOW_HOSTS=127.0.0.1
            Results are deterministic; the query "xss" returns hostile markup for testing clients.
            --corpus FILE adds search results and pages from a JSON file (docs/replay.md, "Corpus files").
            One line per request is logged to stderr.
            """)

    @Option(help: "The port of the first service.")
    var port = 8091

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Which replay to serve: \(Service.allCases.map(\.rawValue).joined(separator: ", ")).")
    var service: Service = .all

    @Option(help: "Base URL of a page server; result URLs become {base}/{host}{path} so a fetcher can read them.")
    var pagesBase: String?

    @Option(name: .customLong("brave-key"), help: "A subscription token Brave accepts (repeatable; default replay-key).")
    var braveKeys: [String] = []

    @Option(
        name: .customLong("brave-key-without-llm-context"),
        help: "A subscription token of a plan without LLM Context: it searches the web, and /res/v1/llm/context answers it 400 OPTION_NOT_IN_PLAN (repeatable).")
    var braveKeysWithoutLLMContext: [String] = []

    @Option(help: "Brave requests allowed per second (Free plan: 1).")
    var bravePerSecond = 1

    @Option(help: "Brave requests allowed per month; 0 is uncapped (Free plan: 2000).")
    var braveMonthlyQuota = 2_000

    @Option(help: "Brave requests already counted this month.")
    var braveMonthlyUsed = 0

    @Option(help: "SearXNG output formats allowed, comma-separated (its shipped default is html only).")
    var searxngFormats = "html,json"

    @Flag(help: "Turn on SearXNG's bot-detecting limiter (browser-like headers required, 4 API requests an hour).")
    var searxngLimiter = false

    @Option(name: .customLong("searxng-unresponsive"), help: "An engine SearXNG reports as failed, as name:reason (repeatable).")
    var searxngUnresponsive: [String] = []

    @Option(help: "Tokens in each scripted LLM answer (--service llm).")
    var llmTokens = 200

    @Option(help: "The scripted LLM answer's text, streamed in word pieces, instead of --llm-tokens generated tokens (--service llm).")
    var llmAnswer: String?

    @Option(help: "Milliseconds between two tokens of a scripted LLM answer (--service llm).")
    var llmTokenIntervalMs = 0

    @Option(help: "A JSON corpus file whose entries are added to the built-in corpus (for Brave, SearXNG and the pages).")
    var corpus: String?

    @Option(help: "Milliseconds added before every response.")
    var latencyMs = 0

    @Option(help: "Share of search requests (0 to 1) that fail at random: a 503, a 30 s stall or a reset connection.")
    var faultRate = 0.0

    func validate() throws {
        guard (1...65_535).contains(port), service != .all || port <= 65_533 else {
            throw ValidationError("--port must leave room for the services it serves")
        }
        guard llmTokens >= 0, llmTokenIntervalMs >= 0 else {
            throw ValidationError("--llm-tokens and --llm-token-interval-ms cannot be negative")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "sift-replay")
        logger.logLevel = .info

        var replayCorpus = ReplayCorpus.standard
        if let corpus {
            replayCorpus = try replayCorpus.adding(corpusFile: corpus)
            logger.info("corpus \(corpus): \(replayCorpus.wordEntries.count) word entries, \(replayCorpus.entries.count) query entries")
        }

        var servers: [(name: String, port: Int, router: Router<BasicRequestContext>)] = []
        let pagesBase = self.pagesBase ?? (service == .all ? "http://\(host):\(port + 2)" : nil)
        if service == .brave || service == .all {
            let brave = BraveReplay(
                configuration: .init(
                    validKeys: Set(braveKeys.isEmpty ? [BraveReplay.Configuration.defaultKey] : braveKeys),
                    keysWithoutLLMContext: Set(braveKeysWithoutLLMContext),
                    perSecondLimit: bravePerSecond, monthlyQuota: braveMonthlyQuota, monthlyUsed: braveMonthlyUsed,
                    pagesBaseURL: pagesBase, corpus: replayCorpus))
            brave.scenarios.latency = .milliseconds(latencyMs)
            brave.scenarios.failAtRandom(rate: faultRate)
            let router = Router()
            router.add(middleware: RequestLineMiddleware(service: "brave", logger: logger))
            brave.addRoutes(to: router)
            servers.append(("brave", port, router))
        }
        if service == .searxng || service == .all {
            let unresponsive = searxngUnresponsive.map { item in
                let parts = item.split(separator: ":", maxSplits: 1)
                return SearXNGReplay.UnresponsiveEngine(String(parts[0]), parts.count > 1 ? String(parts[1]) : "timeout")
            }
            let searxng = SearXNGReplay(
                configuration: .init(
                    formats: Set(searxngFormats.split(separator: ",").map { String($0.trimmingPrefix(" ")) }),
                    limiter: searxngLimiter, unresponsiveEngines: unresponsive, pagesBaseURL: pagesBase,
                    corpus: replayCorpus))
            searxng.scenarios.latency = .milliseconds(latencyMs)
            searxng.scenarios.failAtRandom(rate: faultRate, seed: 0x5345_4152)
            let router = Router()
            router.add(middleware: RequestLineMiddleware(service: "searxng", logger: logger))
            searxng.addRoutes(to: router)
            servers.append(("searxng", service == .all ? port + 1 : port, router))
        }
        if service == .pages || service == .all {
            let router = Router()
            router.add(middleware: RequestLineMiddleware(service: "pages", logger: logger))
            PageServer.addRoutes(to: router, corpus: replayCorpus)
            servers.append(("pages", service == .all ? port + 2 : port, router))
        }

        if service == .llm {
            let llm = ScriptedChatServer(
                script: ChatScript(
                    tokens: llmAnswer.map(ChatScript.wordPieces) ?? ChatScript.answerTokens(count: llmTokens),
                    tokenInterval: .milliseconds(llmTokenIntervalMs)))
            let router = Router()
            router.add(middleware: RequestLineMiddleware(service: "llm", logger: logger))
            llm.addRoutes(to: router)
            servers.append(("llm", port, router))
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers {
                let app = Application(
                    router: server.router,
                    configuration: .init(address: .hostname(host, port: server.port), serverName: "sift-replay"),
                    logger: logger)
                logger.info("\(server.name) replay on http://\(host):\(server.port)")
                group.addTask { try await app.runService() }
            }
            try await group.waitForAll()
        }
    }
}

/// Logs one line per request: service, method, path and query, status, milliseconds.
struct RequestLineMiddleware<Context: RequestContext>: RouterMiddleware {
    let service: String
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let clock = ContinuousClock()
        let start = clock.now
        func line(_ status: HTTPResponse.Status) {
            let elapsed = start.duration(to: clock.now)
            let milliseconds = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            logger.info("\(service) \(request.method) \(request.uri) \(status.code) \(milliseconds)ms")
        }
        do {
            let response = try await next(request, context)
            line(response.status)
            return response
        } catch let error as any HTTPResponseError {
            line(error.status)
            throw error
        }
    }
}

