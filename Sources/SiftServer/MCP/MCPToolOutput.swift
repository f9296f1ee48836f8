import SiftCore

/// The `structuredContent` of `sift_answer`, as its `outputSchema` (``MCPTools``) describes it.
struct MCPAnswerOutput: Codable, Sendable, Equatable {
    struct SourceItem: Codable, Sendable, Equatable {
        var n: Int
        var title: String
        var url: String
        var snippet: String
        var providers: [String]
        var cited: Bool?
    }

    struct WarningItem: Codable, Sendable, Equatable {
        var code: String
        var message: String
    }

    struct ErrorItem: Codable, Sendable, Equatable {
        var code: String
        var message: String
        var retryable: Bool
    }

    var answer: String
    var answered: Bool
    var outcome: String
    var queryID: String
    var session: String?
    var sources: [SourceItem]
    var warnings: [WarningItem]
    var error: ErrorItem?

    enum CodingKeys: String, CodingKey {
        case answer, answered, outcome
        case queryID = "query_id"
        case session, sources, warnings, error
    }

    /// The answer document of a finished query, as the tool gives it.
    init(_ document: AnswerDocument) {
        let cited = Self.citations(in: document.answer)
        answer = document.answer
        // No `metrics.answered` (a failed query) is no answer.
        answered = document.metrics?.answered ?? (document.outcome == .complete && document.error == nil && !document.answer.isEmpty)
        outcome = document.outcome.rawValue
        queryID = document.id.rawValue
        session = document.session
        sources = document.sources.map {
            SourceItem(n: $0.n, title: $0.title, url: $0.url, snippet: $0.snippet, providers: $0.providers, cited: cited.contains($0.n))
        }
        warnings = document.warnings.map { WarningItem(code: $0.code, message: $0.message) }
        error = document.error.map { ErrorItem(code: $0.code, message: $0.message, retryable: $0.retryable) }
    }

    /// The answer as text for the model: the answer, then a Sources block with the sources it cites
    /// (the first five when it cites none).
    var text: String {
        if let error, answer.isEmpty {
            return "Sift could not answer: \(error.message) (\(error.code))"
        }
        var listed = sources.filter { $0.cited == true }
        if listed.isEmpty { listed = Array(sources.prefix(5)) }
        var text = answer.trimmingSuffixWhitespace()
        if !listed.isEmpty {
            text += "\n\nSources:\n"
            text += listed.map { "[\($0.n)] \($0.title) — \($0.url)" }.joined(separator: "\n")
        }
        if let error { text += "\n\nThe query ended early: \(error.message) (\(error.code))" }
        return text
    }

    /// The source numbers `[n]` cited in `answer`.
    static func citations(in answer: String) -> Set<Int> {
        var cited = Set<Int>()
        var number: Int?
        for byte in answer.utf8 {
            switch byte {
            case UInt8(ascii: "["): number = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if let current = number, current < 100_000 { number = current * 10 + Int(byte - UInt8(ascii: "0")) }
            case UInt8(ascii: "]"):
                if let current = number, current > 0 { cited.insert(current) }
                number = nil
            default: number = nil
            }
        }
        return cited
    }
}

/// The `structuredContent` of `sift_search`.
struct MCPSearchOutput: Codable, Sendable, Equatable {
    struct PassageItem: Codable, Sendable, Equatable {
        var n: Int
        var sourceN: Int
        var score: Double
        var text: String

        enum CodingKeys: String, CodingKey {
            case n
            case sourceN = "source_n"
            case score, text
        }
    }

    var queryID: String
    var outcome: String
    var passages: [PassageItem]
    var sources: [MCPAnswerOutput.SourceItem]
    var error: MCPAnswerOutput.ErrorItem?

    enum CodingKeys: String, CodingKey {
        case queryID = "query_id"
        case outcome, passages, sources, error
    }

    /// The ranked passages of a finished search (at most `limit`) and the sources they come from.
    init(_ document: AnswerDocument, limit: Int?) {
        queryID = document.id.rawValue
        outcome = document.outcome.rawValue
        let kept = limit.map { Array(document.passages.prefix($0)) } ?? document.passages
        passages = kept.map { PassageItem(n: $0.n, sourceN: $0.sourceN, score: $0.score, text: $0.text) }
        let used = Set(kept.map(\.sourceN))
        sources = document.sources.filter { used.contains($0.n) }.map {
            MCPAnswerOutput.SourceItem(n: $0.n, title: $0.title, url: $0.url, snippet: $0.snippet, providers: $0.providers)
        }
        error = document.error.map { .init(code: $0.code, message: $0.message, retryable: $0.retryable) }
    }

    /// The passages as text: each under its source's number, title and URL.
    var text: String {
        if passages.isEmpty {
            if let error { return "Sift found nothing: \(error.message) (\(error.code))" }
            return "Sift found no passages for this query."
        }
        let byNumber = Dictionary(sources.map { ($0.n, $0) }, uniquingKeysWith: { first, _ in first })
        return passages.map { passage in
            let source = byNumber[passage.sourceN]
            return "[\(passage.sourceN)] \(source?.title ?? "") — \(source?.url ?? "")\n\(passage.text)"
        }.joined(separator: "\n\n")
    }
}

/// The `structuredContent` of `sift_fetch`.
struct MCPFetchOutput: Codable, Sendable, Equatable {
    var url: String
    var title: String
    var text: String
    var truncated: Bool
    var bytes: Int
    var cached: Bool

    /// The page's passages as paragraphs, cut at `maxCharacters`.
    init(_ page: FetchedPage, maxCharacters: Int) {
        url = page.url
        title = page.title
        var text = ""
        var truncated = false
        for passage in page.passages {
            let separator = text.isEmpty ? "" : "\n\n"
            if text.count + separator.count + passage.count > maxCharacters {
                let room = maxCharacters - text.count - separator.count
                if room > 0 { text += separator + passage.prefix(room) }
                truncated = true
                break
            }
            text += separator + passage
        }
        self.text = text
        self.truncated = truncated
        bytes = page.bytes
        cached = page.cached
    }

    /// The page as text for the model.
    var rendered: String {
        var lines = [title.isEmpty ? url : "\(title) — \(url)", "", text]
        if truncated { lines.append("\n[cut at the requested length]") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingSuffixWhitespace() -> String {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last.isWhitespace { end = index(before: end) }
        return String(self[..<end])
    }
}
