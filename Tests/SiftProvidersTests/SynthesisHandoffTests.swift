import SiftCore
import Synchronization
import Testing

@testable import SiftProviders

@Suite("Synthesis handoff: writers wait for their reader")
struct SynthesisHandoffTests {
    struct Broken: Error {}

    final class SentCount: Sendable {
        let count = Mutex(0)
    }

    @Test func aSendReturnsOnlyOnceItsPieceIsTaken() async throws {
        let handoff = SynthesisHandoff()
        let sent = SentCount()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<3 {
                    try await handoff.send(.text("\(index)", model: nil))
                    sent.count.withLock { $0 += 1 }
                }
                handoff.finish()
            }
            var taken: [SynthesisOutput] = []
            while let piece = try await handoff.next() {
                taken.append(piece)
                // The writer is at most one piece ahead: the one it waits to hand over.
                let count = sent.count.withLock { $0 }
                #expect(count <= taken.count)
            }
            #expect(taken == [.text("0", model: nil), .text("1", model: nil), .text("2", model: nil)])
            try await group.waitForAll()
        }
        #expect(sent.count.withLock { $0 } == 3)
    }

    @Test func theWritersErrorReachesTheReaderAfterWhatWasSent() async throws {
        let handoff = SynthesisHandoff()
        async let writer: Void = {
            try await handoff.send(.text("a", model: nil))
            handoff.finish(throwing: Broken())
        }()
        #expect(try await handoff.next() == .text("a", model: nil))
        await #expect(throws: Broken.self) { try await handoff.next() }
        try await writer
    }

    @Test func aReaderThatGivesUpFailsWaitingAndLaterSends() async throws {
        let handoff = SynthesisHandoff()
        async let waiting: Void = handoff.send(.text("never taken", model: nil))
        // Whether the send queued first or the reader waited first, the piece is handed over once.
        #expect(try await handoff.next() == .text("never taken", model: nil))
        try await waiting
        let second = Task { try await handoff.send(.text("queued", model: nil)) }
        handoff.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        await #expect(throws: CancellationError.self) { try await handoff.send(.text("late", model: nil)) }
        await #expect(throws: CancellationError.self) { try await handoff.next() }
    }

    @Test func cancellingTheReadersTaskEndsItsWaitAndTheWriters() async throws {
        let handoff = SynthesisHandoff()
        let reader = Task { try await handoff.next() }
        reader.cancel()
        await #expect(throws: CancellationError.self) { try await reader.value }
        await #expect(throws: CancellationError.self) { try await handoff.send(.text("x", model: nil)) }
    }
}
