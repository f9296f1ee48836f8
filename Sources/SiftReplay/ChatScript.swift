/// What a ``ScriptedChatServer`` answers to `POST /v1/chat/completions`: the tokens it
/// streams, how fast, and how it misbehaves.
///
/// ```swift
/// var script = ChatScript(tokens: ["Hello", ",", " world"])
/// script.tokenInterval = .milliseconds(20)
/// script.behaviour = .stallAfter(2)
/// ```
public struct ChatScript: Sendable, Equatable {
    /// How the answer goes wrong, if it does. "After k tokens" counts content chunks
    /// written before the misbehaviour.
    public enum Behaviour: Sendable, Equatable {
        /// The whole answer, then `finish_reason`, usage and `[DONE]`.
        case normal
        /// After `k` tokens, a `data:` line whose JSON is cut off; then the rest as usual.
        case malformedChunkAt(Int)
        /// After `k` tokens, `data: {"error": {…}}` (OpenAI's mid-stream server error),
        /// and the stream ends without `[DONE]`.
        case errorObjectAt(Int)
        /// The first `times` requests get HTTP 429 with `Retry-After: retryAfterSeconds`
        /// and OpenAI's rate-limit error body; later ones are answered normally.
        case rateLimited(retryAfterSeconds: Int, times: Int)
        /// The first `times` requests get HTTP `status` with `body`
        /// (`application/json` when it starts with `{`); later ones are answered normally.
        case status(Int, body: String, times: Int = .max)
        /// After `k` tokens, the connection is dropped without ending the response.
        case closeAfter(Int)
        /// After `k` tokens, nothing more is sent, the connection kept open, for
        /// `stallDuration` or until the client goes.
        case stallAfter(Int)
        /// A whole `chat.completion` JSON body, as from a server that ignores `"stream": true`.
        case jsonInsteadOfStream
    }

    /// The pieces of the answer, one per content chunk.
    public var tokens: [String]
    /// The wait before the first token (prompt processing).
    public var firstTokenDelay: Duration
    /// The wait between two tokens.
    public var tokenInterval: Duration
    /// How the answer goes wrong.
    public var behaviour: Behaviour
    /// The `finish_reason` of a complete answer (`length` replaces it when `max_tokens`
    /// cut the answer short).
    public var finishReason: String
    /// Send the usage chunk when the request asks for it (`stream_options.include_usage`).
    public var sendsUsage: Bool
    /// Add llama.cpp's `timings` object to the last chunk.
    public var sendsTimings: Bool
    /// End the stream with `data: [DONE]`.
    public var sendsDone: Bool
    /// Write every event in three pieces: its first two bytes (`da`), then up to the middle
    /// of the JSON, then the rest, so a client must join reads.
    public var splitsWrites: Bool
    /// The line end of the stream: `\n`, `\r\n` or `\r`.
    public var lineEnding: String
    /// How long `.stallAfter` keeps the connection silent.
    public var stallDuration: Duration

    /// A script of `tokens`; the defaults answer at once, normally, with usage and `[DONE]`.
    public init(
        tokens: [String] = ChatScript.defaultAnswer, firstTokenDelay: Duration = .zero, tokenInterval: Duration = .zero,
        behaviour: Behaviour = .normal
    ) {
        self.tokens = tokens
        self.firstTokenDelay = firstTokenDelay
        self.tokenInterval = tokenInterval
        self.behaviour = behaviour
        finishReason = "stop"
        sendsUsage = true
        sendsTimings = false
        sendsDone = true
        splitsWrites = true
        lineEnding = "\n"
        stallDuration = .seconds(600)
    }

    /// Tokens a second: the inverse of `tokenInterval` (0 when there is no wait).
    public var tokensPerSecond: Double {
        get {
            let seconds = Double(tokenInterval.components.seconds) + Double(tokenInterval.components.attoseconds) / 1e18
            return seconds > 0 ? 1 / seconds : 0
        }
        set {
            tokenInterval = newValue > 0 ? .nanoseconds(Int64(1e9 / newValue)) : .zero
        }
    }

    /// The default answer, in word pieces: a sentence that cites its source.
    public static let defaultAnswer = ["The", " answer", " is", " in", " the", " sources", " [1]", "."]

    /// `text` in word pieces, each space starting a new piece (`"a b"` is `["a", " b"]`), for a
    /// script that answers with given text.
    public static func wordPieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var piece = ""
        for character in text {
            if character == " " && !piece.isEmpty && piece.last != " " {
                pieces.append(piece)
                piece = ""
            }
            piece.append(character)
        }
        if !piece.isEmpty { pieces.append(piece) }
        return pieces
    }

    /// `count` deterministic tokens: sentences citing numbered sources, in word pieces
    /// (`The`, ` answer`, …), for a benchmark that wants a long answer.
    public static func answerTokens(count: Int) -> [String] {
        let sentence = ["The", " answer", " is", " in", " the", " sources", " [", "1", "]", "."]
        return (0..<max(0, count)).map { index in
            let position = index % sentence.count
            let piece = sentence[position]
            if position == 0 && index > 0 { return " " + piece }
            if position == 7 { return String(index / sentence.count % 5 + 1) }
            return piece
        }
    }
}
