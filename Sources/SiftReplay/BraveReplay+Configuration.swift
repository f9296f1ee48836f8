extension BraveReplay {
    /// How a Brave replay behaves. Defaults are Brave's Free plan: 1 request a second,
    /// 2,000 a month.
    public struct Configuration: Sendable {
        /// The key `Configuration()` accepts.
        public static let defaultKey = "replay-key"

        /// The subscription tokens (`X-Subscription-Token`) the replay accepts; each has its
        /// own rate-limit windows, as each real key is its own subscription.
        public var validKeys: Set<String>
        /// Keys of a plan without the LLM Context endpoint (an Answers-plan key, a legacy Free
        /// key): they search the web like ``validKeys``, and `/res/v1/llm/context` answers them
        /// `400 OPTION_NOT_IN_PLAN`.
        public var keysWithoutLLMContext: Set<String>
        /// The plan name reported in rate-limit errors' `meta.plan`.
        public var plan: String
        /// Requests allowed per one-second window.
        public var perSecondLimit: Int
        /// Requests allowed per month; 0 means uncapped (Brave reports pay-as-you-go keys so).
        public var monthlyQuota: Int
        /// Requests already counted this month when the replay starts.
        public var monthlyUsed: Int
        /// The length of the monthly window (Brave's policy says `w=2592000`, 30 days).
        public var monthlyWindow: Duration
        /// How much of the current month is left when the replay starts.
        public var monthlyRemaining: Duration
        /// Whether and when bodies are gzipped (Brave gzips when asked with `Accept-Encoding: gzip`).
        public var compression: ReplayCompression
        /// The page server's base URL; when set, result URLs point at it
        /// (`{pagesBaseURL}/{host}{path}`, see ``ReplayDocument/url(servedFrom:)``).
        public var pagesBaseURL: String?
        /// The results the replay serves.
        public var corpus: ReplayCorpus
        /// "Today" for generated pages' dates and the `freshness` filter; the wall-clock day when nil.
        public var today: CalendarDay?
        /// The most requests ``BraveReplay/requestLog`` keeps.
        public var requestLogCapacity: Int

        /// A configuration; every parameter has Brave's Free-plan default.
        public init(
            validKeys: Set<String> = [Configuration.defaultKey],
            keysWithoutLLMContext: Set<String> = [],
            plan: String = "Free",
            perSecondLimit: Int = 1,
            monthlyQuota: Int = 2_000,
            monthlyUsed: Int = 0,
            monthlyWindow: Duration = .seconds(2_592_000),
            monthlyRemaining: Duration = .seconds(2_592_000),
            compression: ReplayCompression = .whenAccepted,
            pagesBaseURL: String? = nil,
            corpus: ReplayCorpus = .standard,
            today: CalendarDay? = nil,
            requestLogCapacity: Int = 10_000
        ) {
            self.validKeys = validKeys
            self.keysWithoutLLMContext = keysWithoutLLMContext
            self.plan = plan
            self.perSecondLimit = perSecondLimit
            self.monthlyQuota = monthlyQuota
            self.monthlyUsed = monthlyUsed
            self.monthlyWindow = monthlyWindow
            self.monthlyRemaining = monthlyRemaining
            self.compression = compression
            self.pagesBaseURL = pagesBaseURL
            self.corpus = corpus
            self.today = today
            self.requestLogCapacity = requestLogCapacity
        }
    }
}
