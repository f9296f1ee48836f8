import Hummingbird
import SiftReplay
import Testing

@Suite struct ReplayServerTests {
    @Test func servesOnAnEphemeralLoopbackPort() async throws {
        let router = Router()
        router.get("ping") { _, _ in "pong" }
        let port = try await withReplayServer(router) { port in port }
        #expect(port > 0)
    }
}
