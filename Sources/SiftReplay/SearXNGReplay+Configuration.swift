extension SearXNGReplay {
    /// An engine that failed for a search, and why, as SearXNG reports it in
    /// `unresponsive_engines`: `["google", "CAPTCHA"]`.
    ///
    /// SearXNG's reasons are short translated texts: `timeout`, `HTTP error`,
    /// `HTTP connection error`, `CAPTCHA`, `too many requests`, `access denied`,
    /// `unexpected crash`, `SSL error: certificate validation has failed`, and for a
    /// suspended engine `Suspended: ` before the reason.
    public struct UnresponsiveEngine: Sendable, Hashable {
        /// The engine's name.
        public var name: String
        /// Why it did not answer.
        public var reason: String

        /// An unresponsive engine.
        public init(_ name: String, _ reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    /// How a SearXNG replay behaves.
    public struct Configuration: Sendable {
        /// The output formats allowed (`search.formats` in settings.yml); a request for a
        /// known format not listed is refused with `403 Forbidden`, as SearXNG does. Note
        /// that SearXNG's shipped settings.yml allows only `html`.
        public var formats: Set<String>
        /// Whether the bot-detecting limiter is on (`server.limiter`; off in SearXNG's defaults).
        public var limiter: Bool
        /// Whether the limiter also counts requests per client (`ip_limit`: at most 4
        /// non-html searches an hour, 15 searches in 20 s, 150 in 10 min).
        public var ipLimit: Bool
        /// The engines that "answered"; results are spread over them.
        public var engines: [String]
        /// Engines reported as unresponsive; they contribute no results.
        public var unresponsiveEngines: [UnresponsiveEngine]
        /// Leave `number_of_results` out of the JSON, as some SearXNG versions do.
        public var omitNumberOfResults: Bool
        /// The `number_of_results` reported (SearXNG usually says 0: most engines give no estimate).
        public var numberOfResults: Int
        /// Results per page.
        public var pageSize: Int
        /// Whether and when bodies are gzipped (SearXNG itself does not; a proxy in front may).
        public var compression: ReplayCompression
        /// The page server's base URL; when set, result URLs point at it.
        public var pagesBaseURL: String?
        /// The results the replay serves.
        public var corpus: ReplayCorpus
        /// "Today" for generated pages' dates and `time_range`; the wall-clock day when nil.
        public var today: CalendarDay?
        /// The most requests ``SearXNGReplay/requestLog`` keeps.
        public var requestLogCapacity: Int

        /// A configuration; JSON allowed, limiter off.
        public init(
            formats: Set<String> = ["html", "json"],
            limiter: Bool = false,
            ipLimit: Bool = true,
            engines: [String] = ["brave", "duckduckgo", "google", "qwant", "startpage", "wikipedia"],
            unresponsiveEngines: [UnresponsiveEngine] = [],
            omitNumberOfResults: Bool = false,
            numberOfResults: Int = 0,
            pageSize: Int = 10,
            compression: ReplayCompression = .never,
            pagesBaseURL: String? = nil,
            corpus: ReplayCorpus = .standard,
            today: CalendarDay? = nil,
            requestLogCapacity: Int = 10_000
        ) {
            self.formats = formats
            self.limiter = limiter
            self.ipLimit = ipLimit
            self.engines = engines
            self.unresponsiveEngines = unresponsiveEngines
            self.omitNumberOfResults = omitNumberOfResults
            self.numberOfResults = numberOfResults
            self.pageSize = pageSize
            self.compression = compression
            self.pagesBaseURL = pagesBaseURL
            self.corpus = corpus
            self.today = today
            self.requestLogCapacity = requestLogCapacity
        }
    }
}
