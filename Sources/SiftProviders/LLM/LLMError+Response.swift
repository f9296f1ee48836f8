import FoundationEssentials
import SiftHTTPClient

/// What an error message names: the server, the model, whether a key was sent.
struct LLMErrorContext: Sendable {
    /// The configured base URL (`SIFT_LLM_URL`).
    var baseURL: String
    /// The model asked for.
    var model: String
    /// Whether an API key was sent.
    var hasAPIKey: Bool
    /// The longest `Retry-After` the client waits out.
    var maxRetryAfter: Duration
}

extension LLMError {
    /// The error for a response whose status is not 2xx, from its status, headers and
    /// (the first bytes of) its body. `now` is the wall-clock time, in seconds since
    /// 1970, that a `Retry-After` date is measured from.
    static func response(
        status: Int, headers: HTTPHeaders, body: [UInt8], context: LLMErrorContext,
        now: Double = Date().timeIntervalSince1970
    ) -> LLMError {
        let detail = UpstreamErrorDetail.parse(body: body)
        let text = detail?.summary ?? plainText(body)
        let said = text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)"
        let server = "The LLM server at \(context.baseURL)"
        let retryAfter = retryAfter(headers["Retry-After"], now: now)

        if status == 401 || status == 403 {
            let advice =
                context.hasAPIKey
                ? "refused the API key (\(said)). Set SIFT_LLM_API_KEY or the llm-api-key credential to a key it accepts."
                : "requires an API key (\(said)). Set SIFT_LLM_API_KEY or the llm-api-key credential."
            return LLMError(.unauthorized, "\(server) \(advice)", httpStatus: status)
        }
        if status == 429 {
            let wait: String
            if let retryAfter, retryAfter > context.maxRetryAfter {
                wait = " and asked for a wait of \(seconds(retryAfter)), longer than the \(seconds(context.maxRetryAfter)) Sift waits. Try again later, or raise the server's rate limit."
            } else if let retryAfter {
                wait = " and asked for a wait of \(seconds(retryAfter))."
            } else {
                wait = "."
            }
            return LLMError(.rateLimited, "\(server) is rate limiting requests (\(said))\(wait)", httpStatus: status, retryAfter: retryAfter)
        }
        if detail?.code == "model_not_found" || status == 404 {
            return LLMError(
                .modelNotFound,
                "\(server) has no model '\(context.model)' or no chat completions endpoint (\(said)). Use a model that GET \(trimmingTrailingSlashes(context.baseURL))/models lists, and check that SIFT_LLM_URL ends in /v1.",
                httpStatus: status)
        }
        if status >= 400, let detail, detail.isContextOverflow {
            var counts = ""
            if let prompt = detail.promptTokens, let size = detail.contextSize {
                counts = " (\(prompt) prompt tokens, context of \(size))"
            }
            return LLMError(
                .contextOverflow,
                "The prompt does not fit the model's context window\(counts) (\(said)). Send fewer or shorter sources, or give the model a larger context (llama-server --ctx-size).",
                httpStatus: status)
        }
        switch status {
        case 300..<400:
            let location = headers["Location"].map { " to \($0)" } ?? ""
            return LLMError(
                .badRequest,
                "\(server) redirected the request\(location) (HTTP \(status)); set SIFT_LLM_URL to the URL it redirects to.",
                httpStatus: status)
        case 400..<500:
            return LLMError(
                .badRequest, "\(server) refused the request (\(said)). Check the model name and the server's log.",
                httpStatus: status)
        case 500..<600:
            return LLMError(
                .server,
                "\(server) failed (\(said)). llama-server answers 503 while it loads the model; if this persists, check the server's log.",
                httpStatus: status, retryAfter: retryAfter)
        default:
            return LLMError(.malformed, "\(server) answered with an unexpected HTTP \(status).", httpStatus: status)
        }
    }

    /// The error for a transport failure; `midStream` when the answer had begun.
    static func transport(_ error: HTTPClientError, context: LLMErrorContext, midStream: Bool) -> LLMError {
        let server = "the LLM server at \(context.baseURL)"
        let advice = "Check that it is running and that SIFT_LLM_URL points at it."
        switch error.kind {
        case .invalidURL:
            return LLMError(.connection, "SIFT_LLM_URL '\(context.baseURL)' is not a usable http or https URL (\(error.message)).")
        case .resolveFailed:
            return LLMError(.connection, "Could not resolve the host of \(server) (\(error.message)). \(advice)", isTransient: true)
        case .connectFailed:
            return LLMError(.connection, "Could not connect to \(server) (\(error.message)). \(advice)", isTransient: true)
        case .queuedTooLong:
            return LLMError(
                .connection, "No connection to \(server) was free in time (\(error.message)).", isTransient: true)
        case .timedOut where !midStream:
            return LLMError(.connection, "Timed out reaching \(server) (\(error.message)). \(advice)", isTransient: true)
        case .tls:
            return LLMError(
                .connection, "TLS with \(server) failed (\(error.message)). Check its certificate and the scheme of SIFT_LLM_URL.")
        case .bodyTooLarge:
            return LLMError(.malformed, "The answer from \(server) is too large (\(error.message)).")
        case .transport, .timedOut:
            let when = midStream ? "broke in the middle of the answer" : "failed"
            return LLMError(.connection, "The connection to \(server) \(when) (\(error.message)).", isTransient: true)
        case .shutdown, .cancelled, .blockedAddress, .tooManyRedirects, .invalidConfiguration:
            return LLMError(.connection, "The request to \(server) failed: \(error).")
        }
    }

    /// An `{"error": …}` that arrived inside a stream begun with HTTP 200.
    static func upstream(_ detail: UpstreamErrorDetail, context: LLMErrorContext) -> LLMError {
        LLMError(.upstream, "The LLM server at \(context.baseURL) reported an error in the middle of the answer: \(detail.summary).")
    }

    /// A stream or body that is not what an OpenAI-compatible server sends; `what`
    /// says what it was.
    static func malformed(_ what: String, context: LLMErrorContext) -> LLMError {
        LLMError(
            .malformed,
            "The LLM server at \(context.baseURL) sent \(what). Check that SIFT_LLM_URL points at an OpenAI-compatible API (ending in /v1).")
    }

    /// A timeout: before the first token, or between two chunks.
    static func timedOut(firstToken: Bool, after limit: Duration, context: LLMErrorContext) -> LLMError {
        if firstToken {
            return LLMError(
                .firstTokenTimeout,
                "The model at \(context.baseURL) produced no answer within \(seconds(limit)) of the request. Reading a long prompt on a small CPU is slow: send fewer sources, use a smaller model, or raise the first-token timeout.")
        }
        return LLMError(
            .tokenTimeout,
            "The answer from \(context.baseURL) stalled for more than \(seconds(limit)) between two chunks. Check the server's load and its log.")
    }

    /// This error, its message noting that it came after `attempts` attempts.
    func afterAttempts(_ attempts: Int) -> LLMError {
        var error = self
        error.message += " (after \(attempts) attempts)"
        return error
    }

    /// Statuses worth another attempt: a failing or loading server, a gateway in front of it.
    static let retryableStatuses: Set<Int> = [500, 502, 503, 504]

    /// `Retry-After`: delay seconds (RFC 9110 10.2.3), or an HTTP date (IMF-fixdate
    /// form) measured from `now` (seconds since 1970). nil when absent or unreadable.
    static func retryAfter(_ value: String?, now: Double) -> Duration? {
        guard let value = value.map({ $0.trimmingSpaces() }), !value.isEmpty else { return nil }
        if let seconds = Double(value) {
            return seconds.isFinite && seconds >= 0 ? .milliseconds(Int64(seconds * 1000)) : nil
        }
        guard let date = httpDate(value) else { return nil }
        return .milliseconds(Int64(max(0, (Double(date) - now) * 1000)))
    }

    /// Seconds since 1970 of an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Int64? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[5] == "GMT",
            let day = Int64(parts[1]), (1...31).contains(day),
            let month = months.firstIndex(of: String(parts[2])),
            let year = Int64(parts[3]), year >= 1970
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]), let second = Int64(clock[2]),
            (0..<24).contains(hour), (0..<60).contains(minute), (0...60).contains(second)
        else { return nil }
        return daysSince1970(year: year, month: Int64(month) + 1, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar: count whole
    /// years from a March-based year (so the leap day ends the year), then months.
    private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = marchYear / 400  // marchYear >= 1969, never negative
        let yearOfEra = marchYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// A plain-text body as one line: whitespace runs collapsed, cut to about 300 characters.
    static func plainText(_ body: [UInt8]) -> String {
        excerpt(String(decoding: body, as: UTF8.self))
    }

    /// `text` as one line of at most `limit` characters (and an ellipsis when cut).
    static func excerpt(_ text: String, limit: Int = 300) -> String {
        // Character.isWhitespace, unlike a list of scalars, also matches "\r\n" (one Character).
        let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard line.count > limit else { return line }
        return line.prefix(limit) + "…"
    }

    /// `2 s`, `1.5 s`, `60 s`.
    static func seconds(_ duration: Duration) -> String {
        let (whole, attoseconds) = duration.components
        let tenths = attoseconds / 100_000_000_000_000_000
        return tenths == 0 ? "\(whole) s" : "\(whole).\(tenths) s"
    }
}
