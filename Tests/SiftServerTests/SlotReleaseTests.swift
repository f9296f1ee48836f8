import SiftCore
import Testing

@testable import SiftServer

@Suite("A query's stream slot is free by the time its done can be read")
struct SlotReleaseTests {
    @Test(arguments: [false, true])
    func aClientAskingAgainOnItsDoneFindsTheSlotFree(shared: Bool) async throws {
        var configuration = ReplicationTests.fast
        configuration.maxStreams = 1
        let metrics = SiftMetrics(version: "test")
        let registry = StreamRegistry(capacity: 1, metrics: metrics, logger: testLogger())
        let routes = SiftRoutes(
            runner: ScriptedRunner.answering(deltas: 2), registry: registry, metrics: metrics, configuration: configuration,
            shared: shared ? InMemorySharedStore().replica("a") : nil, readiness: { Readiness(ready: true, components: [:]) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await routes.queries.run() }
            defer { group.cancelAll() }
            for _ in 0..<50 {
                let log = try await routes.queries.admit(id: QueryID(), prepared: ReplicationTests.question, resumable: false)
                var cursor = QueryLogCursor(log: log, after: 0)
                var sawDone = false
                while let delivery = try await cursor.next() {
                    if case .frames(let frames) = delivery, frames.last?.type == .done { sawDone = true }
                }
                #expect(sawDone)
                // No wait: the next question is admitted on the heels of the done.
                #expect(registry.activeCount == 0)
                cursor.close()
            }
        }
    }
}
