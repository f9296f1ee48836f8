import Logging
import ServiceLifecycle
import Testing

@_spi(Testing) import SiftHTTPClient

@Suite struct ServiceTests {
    @Test func gracefulShutdownOfTheGroupShutsTheClientDown() async throws {
        let client = try HTTPClient(logger: Logger(label: "test"))
        let group = ServiceGroup(services: [client], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:9/"))
        }
        #expect(error?.kind == .shutdown)
    }
}
