import SiftCore
import SiftText

/// The fold of a query's events into an OpenAI chat completion: what `POST
/// /v1/chat/completions` sends, streamed or as one document. A plain struct with no I/O: the
/// route's reader feeds it the events of the query's log and writes what it returns.
///
/// - The answer's `delta`s become content, `[n]` markers kept. A marker split across two
///   deltas (`[1` + `2]`) is held back until it is whole, so that each source's first
///   citation is announced as a `url_citation` annotation in the same piece of content.
/// - At the end, a short "Sources" list (the cited sources, or the closest ones when none is
///   cited) is appended to the content; `citations` (URLs, `citations[n-1]` for `[n]`) and
///   `search_results` list every source.
/// - `no_sources` is an answer, not a failure: the content says nothing matched. Any other
///   `error` ends the completion with that error.
/// - Compare mode's per-model lanes are not content: the merged answer is.
struct ChatCompletionFold: Sendable {
    /// What comes before the Sources list in the content; an earlier answer sent back in
    /// `messages` is cut there (``ChatCompletionRequest/answerText(_:)``).
    static let sourcesHeading = "\n\nSources:\n"
    /// Sources listed when the answer cites none.
    static let uncitedListed = 3

    /// What the route sends next.
    enum Output: Sendable, Equatable {
        /// Answer text, and the annotations of sources it cites for the first time.
        case content(String, [ChatWire.Annotation])
        /// Open WebUI progress (only when status events are on).
        case status(ChatWire.StatusEvent)
        /// The query ended with an answer.
        case finish(Final)
        /// The query ended without one.
        case failure(ChatCompletionError)
    }

    /// What the last chunk (or the completion) carries besides content.
    struct Final: Sendable, Equatable {
        var citations: [String]
        var searchResults: [ChatWire.SearchResult]
        var usage: ChatWire.Usage
    }

    let statusEvents: Bool
    /// Estimated tokens of what the client sent (the question and the earlier turns).
    private let requestTokens: Int
    private var sources: [Source] = []
    private var cited: [Int] = []
    private var passageTokens = 0
    private var held = ""
    /// Unicode scalars of content sent so far (annotation indices).
    private(set) var length = 0
    /// The whole content, kept only when `keepsContent` (a completion that is not streamed).
    private(set) var content = ""
    private(set) var annotations: [ChatWire.Annotation] = []
    private let keepsContent: Bool
    private var answerTokens = 0
    private var metrics: PipelineEvent.Metrics?
    private var answered: Bool?
    private var error: PipelineEvent.ErrorInfo?
    private var noSources = false
    /// The last status sent, for the non-streamed completion.
    private(set) var lastStatus: ChatWire.StatusEvent?
    private let estimator = TokenEstimator()

    init(request: ChatCompletionRequest, statusEvents: Bool, keepsContent: Bool) {
        self.statusEvents = statusEvents
        self.keepsContent = keepsContent
        let estimator = TokenEstimator()
        var tokens = estimator.count(request.question)
        for turn in request.history { tokens += estimator.count(turn.question) + estimator.count(turn.answer) }
        requestTokens = tokens
    }

    /// Folds one event in; returns what to send for it, in order.
    mutating func add(_ event: PipelineEvent) -> [Output] {
        switch event.payload {
        case .status(let value):
            return status(value.message, done: false)
        case .source(let source):
            if let known = sources.firstIndex(where: { $0.n == source.n }) {
                sources[known] = source
            } else {
                sources.append(source)
            }
            return []
        case .ranked(let ranked):
            passageTokens = ranked.passages.reduce(0) { $0 + estimator.count($1.text) }
            return []
        case .delta(let delta):
            guard delta.model == nil else { return [] }  // a compare-mode lane: the merged answer is the content
            return text(delta.text, final: false)
        case .warning(let warning):
            if warning.code == PipelineEvent.Warning.noAnswer.code { answered = false }
            return []
        case .metrics(let value):
            metrics = value
            if let known = value.answered { answered = known }
            return []
        case .error(let info):
            if info.code == "no_sources" {
                noSources = true
                answered = false
                return text("No source matched this question, so Sift has no answer to give from its sources.", final: false)
            }
            error = info
            return []
        case .done(let done):
            return finish(done.outcome)
        case .query, .fetch, .lane:
            return []
        }
    }

    /// The completion's usage so far: prompt tokens estimated (the request and the passages the
    /// answer was written from), completion tokens the model's count when it reported one.
    var usage: ChatWire.Usage {
        ChatWire.Usage(promptTokens: requestTokens + passageTokens, completionTokens: metrics?.tokens ?? answerTokens)
    }

    // MARK: Content

    private mutating func text(_ piece: String, final: Bool) -> [Output] {
        var text = held + piece
        held = ""
        if !final, let open = text.lastIndex(of: "[") {
            let tail = text[text.index(after: open)...]
            if tail.unicodeScalars.count <= 4, tail.unicodeScalars.allSatisfy(Self.isDigit) {
                held = String(text[open...])
                text = String(text[..<open])
            }
        }
        guard !text.isEmpty else { return [] }
        let found = annotate(text)
        length += text.unicodeScalars.count
        answerTokens += estimator.count(text)
        if keepsContent {
            content += text
            annotations += found
        }
        return [.content(text, found)]
    }

    /// The annotations of the sources `text` cites first, with indices in the whole content.
    private mutating func annotate(_ text: String) -> [ChatWire.Annotation] {
        var found: [ChatWire.Annotation] = []
        var offset = 0
        var open: Int?
        var number = 0
        for scalar in text.unicodeScalars {
            if scalar == "[" {
                open = offset
                number = 0
            } else if let start = open {
                if Self.isDigit(scalar) {
                    number = number * 10 + Int(scalar.value) - 48
                    if number > 10_000 { open = nil }
                } else {
                    if scalar == "]", offset > start + 1, !cited.contains(number),
                        let source = sources.first(where: { $0.n == number })
                    {
                        cited.append(number)
                        found.append(
                            ChatWire.Annotation(
                                url: source.url, title: source.title, startIndex: length + start, endIndex: length + offset + 1))
                    }
                    open = nil
                }
            }
            offset += 1
        }
        return found
    }

    // MARK: The end

    private mutating func finish(_ outcome: PipelineEvent.Outcome) -> [Output] {
        var outputs = text("", final: true)
        if let error {
            outputs += status("Failed: \(error.message)", done: true)
            outputs.append(.failure(ChatCompletionError(error)))
            return outputs
        }
        guard outcome == .complete || noSources else {
            outputs += status("Cancelled", done: true)
            outputs.append(
                .failure(ChatCompletionError(status: 503, message: "The query was cancelled before it ended.", code: "cancelled")))
            return outputs
        }
        let ordered = sources.sorted { $0.n < $1.n }
        if !noSources, !ordered.isEmpty {
            let listed = cited.isEmpty ? Array(ordered.prefix(Self.uncitedListed)) : ordered.filter { cited.contains($0.n) }
            var list = Self.sourcesHeading
            // A page's title is the page's to write: a link in it is disarmed, as one in the answer is.
            let urls = ordered.map(\.url)
            for source in listed {
                list += "- [\(source.n)] \(LinkFilter.disarm(Self.oneLine(source.title), sourceURLs: urls)) — \(source.url)\n"
            }
            length += list.unicodeScalars.count
            if keepsContent { content += list }
            outputs.append(.content(list, []))
        }
        let done: String
        if answered == false {
            done = noSources ? "No source matched" : "No answer in the sources found"
        } else {
            done = "Answered from \(cited.count) of \(ordered.count) sources"
        }
        outputs += status(done, done: true)
        outputs.append(
            .finish(
                Final(
                    citations: ordered.map(\.url),
                    searchResults: ordered.map {
                        ChatWire.SearchResult(title: $0.title, url: $0.url, snippet: $0.snippet, date: $0.published)
                    },
                    usage: usage)))
        return outputs
    }

    private mutating func status(_ description: String, done: Bool) -> [Output] {
        let event = ChatWire.StatusEvent(description: description, done: done)
        lastStatus = event
        return statusEvents ? [.status(event)] : []
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 48 && scalar.value <= 57 }

    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
