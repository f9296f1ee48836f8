import SiftReplay
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct BackpressureTests {
    @Test func aSlowConsumerKeepsTheBufferBoundedAndGetsEveryByte() async throws {
        try await withPageServer { base, _, _ in
            var configuration = HTTPClient.Configuration()
            configuration.bodyBufferBytes = 64 * 1024
            try await withClient(configuration) { client in
                let response = try await client.execute(get("\(base)/huge?mb=8"))
                #expect(response.headers["Content-Length"] == "\(8 << 20)")
                var offset = 0
                var mismatches = 0
                var chunks = 0
                for try await chunk in response.body {
                    for byte in chunk {
                        if byte != PageServer.hugeByte(at: offset) { mismatches += 1 }
                        offset += 1
                    }
                    chunks += 1
                    if chunks % 16 == 0 {
                        try await Task.sleep(for: .milliseconds(2))  // the slow consumer
                    }
                }
                #expect(offset == 8 << 20)
                #expect(mismatches == 0)
                let peak = response.body.peakBufferedBytes
                let pauses = response.body.pauseCount
                print("backpressure: 8 MiB in \(chunks) chunks, peak buffered \(peak) bytes (limit 65536), \(pauses) pauses")
                #expect(peak <= 64 * 1024)
                #expect(pauses > 0, "the consumer was slow enough that the transfer had to pause")
            }
        }
    }
}
