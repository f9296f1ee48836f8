import SiftCore

@testable import SiftProviders

/// The SSE parser of the chat client: the same events whether the bytes come at once or
/// in three chunks cut anywhere (inside a UTF-8 sequence or a `\r\n` too); no event's data
/// or type holds a line break it did not join; an event over the limit is a typed error.
func fuzzSSE(_ bytes: [UInt8]) {
    guard let first = bytes.first else { return }
    let input = Array(bytes.dropFirst())
    let limit = 64 + Int(first) * 4
    var whole = ServerSentEventParser(maxEventBytes: limit)
    var wholeEvents: [ServerSentEvent] = []
    var wholeFailed = false
    do {
        wholeEvents = try whole.parse(input)
        if let last = whole.finish() { wholeEvents.append(last) }
    } catch {
        wholeFailed = true
    }
    let cut1 = input.isEmpty ? 0 : Int(first) % (input.count + 1)
    let cut2 = cut1 + (input.count - cut1) / 2
    var chunked = ServerSentEventParser(maxEventBytes: limit)
    var chunkedEvents: [ServerSentEvent] = []
    var chunkedFailed = false
    do {
        for range in [0..<cut1, cut1..<cut2, cut2..<input.count] {
            chunkedEvents += try chunked.parse(Array(input[range]))
        }
        if let last = chunked.finish() { chunkedEvents.append(last) }
    } catch {
        chunkedFailed = true
    }
    if wholeFailed != chunkedFailed { violated("the limit hit in one reading only (whole: \(wholeFailed))") }
    if wholeFailed { return }
    if wholeEvents != chunkedEvents { violated("chunks cut at \(cut1), \(cut2) give other events") }
    for event in wholeEvents {
        if event.data.utf8.contains(UInt8(ascii: "\r")) { violated("event data holding a carriage return") }
        if event.type.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }) {
            violated("an event type holding a line break")
        }
        // Each byte over the limit could become a 3-byte U+FFFD, no more.
        if event.data.utf8.count > 3 * limit { violated("event data over the limit") }
    }
}

/// The chat stream decoder, fed the events of the bytes read as an SSE body: typed
/// `LLMError`s only, at most one `.finished`, nothing after `[DONE]`, no empty content.
/// The bytes are also decoded as a whole (non-streamed) `chat.completion`.
func fuzzChatStream(_ bytes: [UInt8]) {
    let context = LLMErrorContext(baseURL: "http://127.0.0.1:1/v1", model: "fuzz", hasAPIKey: false, maxRetryAfter: .seconds(1))
    _ = try? ChatStreamDecoder.completion(bytes, context: context)
    var parser = ServerSentEventParser(maxEventBytes: 1 << 16)
    guard var events = try? parser.parse(bytes) else { return }
    if let last = parser.finish() { events.append(last) }
    var decoder = ChatStreamDecoder(context: context)
    var finished = 0
    for event in events {
        let wasDone = decoder.isDone
        let decoded: [ChatStreamEvent]
        do {
            decoded = try decoder.decode(event)
        } catch {
            return
        }
        if wasDone, !decoded.isEmpty { violated("events after [DONE]") }
        for item in decoded {
            switch item {
            case .finished: finished += 1
            case .content(let text): if text.isEmpty { violated("empty content") }
            case .usage, .timings: break
            }
        }
    }
    if finished > 1 { violated("\(finished) finished events") }
    _ = try? decoder.finish()
}

/// Brave's web-search, LLM-context and error bodies: decoded or a thrown error; hits have a URL.
func fuzzBrave(_ bytes: [UInt8]) {
    if let hits = try? BraveSearchProvider.decode(bytes) {
        for hit in hits where hit.url.isEmpty { violated("a Brave hit without a URL") }
    }
    _ = try? BraveSearchProvider.decodeContext(bytes)
    _ = BraveSearchProvider.errorEnvelope(bytes)
}

/// SearXNG's `format=json` body: decoded or a thrown error; hits have a URL and a title.
func fuzzSearXNG(_ bytes: [UInt8]) {
    guard let (hits, _) = try? SearXNGProvider.decode(bytes) else { return }
    for hit in hits {
        if hit.url.isEmpty { violated("a SearXNG hit without a URL") }
        if hit.title.isEmpty { violated("a SearXNG hit without a title") }
    }
}
