import FoundationEssentials
import Hummingbird
import Logging
import NIOCore
import SiftCore

/// A reader of a query's log that speaks OpenAI's chat completions: `chat.completion.chunk`s
/// as Server-Sent Events (`data: {…}`, then `data: [DONE]`), or one `chat.completion`.
///
/// It is one more reader of the one log (``QueryLogCursor``), beside the SSE writer and the
/// fold of `POST /v1/answer`: the query runs in the ``QueryService`` like any other, and this
/// only translates its events (``ChatCompletionFold``).
struct ChatCompletionReader: Sendable {
    let log: QueryLog
    let request: ChatCompletionRequest
    let header: ChatWire.Header
    let statusEvents: Bool
    let metrics: SiftMetrics?
    let heartbeat: Duration
    let clock: ServerClock
    let logger: Logger?

    /// The frame that ends every stream.
    static let doneLine = "data: [DONE]\n\n"

    /// Streams the chunks to `writer` until `[DONE]`: the role first, then content as the answer is
    /// written (with `annotations` where a source is first cited), status events when asked, the
    /// last chunk with `finish_reason: "stop"`, `citations` and `search_results`, the usage chunk
    /// when asked, `[DONE]`; or an `{"error": …}` object, then `[DONE]`. `: ping` comments while waiting.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        var cursor = QueryLogCursor(log: log, after: 0)
        defer { cursor.close() }
        var fold = ChatCompletionFold(request: request, statusEvents: statusEvents, keepsContent: false)
        let heartbeat = self.heartbeat
        let ping = cursor.heartbeat
        let clock = self.clock
        var buffer = ByteBufferAllocator().buffer(capacity: 4096)
        var ended = false
        // Frames decoded only when needed, so that the first answer text leaves as soon after its
        // `delta` as an SSE reader's would: the passages (for usage, at the end) and the sources
        // (for the first citation's annotation, or the end).
        var ranked: QueryLog.Frame?
        var sources: [QueryLog.Frame] = []
        let statusEvents = self.statusEvents

        buffer.writeString(line(chunk(ChatWire.Delta(role: "assistant", content: ""))))
        try await writer.write(buffer)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await clock.sleep(for: heartbeat)) != nil { ping() }
                }
                defer { group.cancelAll() }
                while let delivery = try await cursor.next() {
                    buffer.clear()
                    switch delivery {
                    case .frames(let frames):
                        for frame in frames {
                            switch frame.type {
                            case .query, .fetch, .lane: continue
                            case .status where !statusEvents: continue
                            case .ranked:
                                ranked = frame
                                continue
                            case .source:
                                sources.append(frame)
                                continue
                            case .delta, .warning, .metrics, .error, .done, .status: break
                            }
                            guard let event = frame.event else { continue }
                            let needsSources: Bool
                            if case .delta(let delta) = event.payload {
                                needsSources = delta.text.utf8.contains(UInt8(ascii: "["))
                            } else {
                                needsSources = frame.type != .warning
                            }
                            if needsSources, !sources.isEmpty {
                                for source in sources { if let event = source.event { _ = fold.add(event) } }
                                sources.removeAll()
                            }
                            if frame.type == .done, let event = ranked?.event { _ = fold.add(event) }
                            for output in fold.add(event) { ended = encode(output, into: &buffer) || ended }
                        }
                    case .heartbeat:
                        buffer.writeString(EventEncoder.heartbeat)
                        metrics?.recordHeartbeat()
                    }
                    if buffer.readableBytes > 0 { try await writer.write(buffer) }
                }
            }
        } catch let slow as SlowReader {
            metrics?.recordStreamDropped(reason: "slow_client", undelivered: slow.undelivered)
            logger?.warning("dropped a slow client", metadata: ["undelivered_events": "\(slow.undelivered)"])
            throw slow
        } catch {
            if !ended { metrics?.recordStreamDropped(reason: "disconnected", undelivered: 0) }
            throw error
        }
    }

    /// Writes one output's frames; true when it ended the stream.
    private func encode(_ output: ChatCompletionFold.Output, into buffer: inout ByteBuffer) -> Bool {
        switch output {
        case .content(let text, let annotations):
            buffer.writeString(line(chunk(ChatWire.Delta(content: text, annotations: annotations.isEmpty ? nil : annotations))))
            return false
        case .status(let event):
            var status = chunk(nil)
            status.event = event
            buffer.writeString(line(status))
            return false
        case .finish(let final):
            var last = chunk(ChatWire.Delta())
            last.finishReason = "stop"
            last.citations = final.citations
            last.searchResults = final.searchResults
            buffer.writeString(line(last))
            if request.includeUsage {
                var usage = chunk(nil)
                usage.usage = .some(final.usage)
                buffer.writeString(line(usage))
            }
            buffer.writeString(Self.doneLine)
            return true
        case .failure(let error):
            buffer.writeString(line(error.body))
            buffer.writeString(Self.doneLine)
            return true
        }
    }

    private func chunk(_ delta: ChatWire.Delta?) -> ChatWire.Chunk {
        ChatWire.Chunk(header: header, delta: delta, usage: request.includeUsage ? .some(nil) : nil)
    }

    private func line(_ value: some Encodable) -> String {
        "data: " + String(decoding: EventEncoder().json(value), as: UTF8.self) + "\n\n"
    }

    /// Folds the whole log into one `chat.completion`, or the error the query ended with.
    func complete() async throws -> Result<ChatWire.Completion, ChatCompletionError> {
        var cursor = QueryLogCursor(log: log, after: 0, droppable: false)
        defer { cursor.close() }
        var fold = ChatCompletionFold(request: request, statusEvents: statusEvents, keepsContent: true)
        while let delivery = try await cursor.next() {
            guard case .frames(let frames) = delivery else { continue }
            for frame in frames {
                guard let event = frame.event else { continue }
                for output in fold.add(event) {
                    switch output {
                    case .content, .status: continue
                    case .failure(let error): return .failure(error)
                    case .finish(let final):
                        return .success(
                            ChatWire.Completion(
                                header: header, content: fold.content, annotations: fold.annotations, usage: final.usage,
                                citations: final.citations, searchResults: final.searchResults,
                                event: statusEvents ? fold.lastStatus : nil))
                    }
                }
            }
        }
        return .failure(ChatCompletionError(status: 500, message: "The query's log ended without its end.", code: "internal"))
    }
}
