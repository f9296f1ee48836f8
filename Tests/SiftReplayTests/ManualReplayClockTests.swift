import SiftReplay
import Testing

@Suite struct ManualReplayClockTests {
    @Test func sleepersWakeWhenTheClockPassesTheirDeadline() async throws {
        let clock = ManualReplayClock()
        let (woke, continuation) = AsyncStream.makeStream(of: Duration.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await clock.sleep(until: ManualReplayClock.Instant(offset: .seconds(2)))
                continuation.yield(clock.now.offset)
                continuation.finish()
            }
            // Advance in steps until the sleeper reports; it can only wake at or after 2 s.
            var iterator = woke.makeAsyncIterator()
            for _ in 0..<4 {
                await Task.yield()
                clock.advance(by: .milliseconds(700))
            }
            let at = await iterator.next()
            #expect(at.map { $0 >= .seconds(2) } == true)
            try await group.waitForAll()
        }
    }

    @Test func aCancelledSleeperThrows() async {
        let clock = ManualReplayClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test func aPastDeadlineReturnsAtOnce() async throws {
        let clock = ManualReplayClock()
        clock.advance(by: .seconds(5))
        try await clock.sleep(until: ManualReplayClock.Instant(offset: .seconds(1)))
        #expect(clock.now.offset == .seconds(5))
    }
}
