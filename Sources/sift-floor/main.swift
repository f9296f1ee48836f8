// sift-floor: the cheapest SSE server the same stack (Hummingbird 2, no Foundation
// traits) can be. Benchmarks run it beside siftd so that every siftd figure has
// a floor to be compared with. It answers GET /hello/stream with the shape of a
// Sift stream (status, a source, deltas, done) but does no work.
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import NIOCore

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let router = Router()
router.get("/hello/stream") { request, _ -> Response in
    Response(
        status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
        body: .init { writer in
            var sequence = 0
            func send(_ type: String, _ json: String) async throws {
                sequence += 1
                try await writer.write(ByteBuffer(string: "id: \(sequence)\nevent: \(type)\ndata: \(json)\n\n"))
            }
            try await send("status", #"{"stage":"analyzing","message":"hello","elapsed_ms":0}"#)
            try await send("source", #"{"n":1,"url":"kb://floor","title":"floor","snippet":"","providers":["floor"],"score":1,"elapsed_ms":0}"#)
            for word in ["hello ", "world ", "[1]"] { try await send("delta", #"{"text":"\#(word)","elapsed_ms":0}"#) }
            if request.uri.query?.contains("hold") == true {
                // Keep the stream open until the client goes away, as a long answer would.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    let (silence, keep) = AsyncStream<Void>.makeStream()
                    for await _ in silence {}
                    keep.finish()
                }
                return
            }
            try await send("done", #"{"outcome":"complete","elapsed_ms":0}"#)
            try await writer.finish(nil)
        })
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "sift-floor"))
do {
    try await app.runService()
} catch {
    print("sift-floor: \(error)")
    exit(1)
}
