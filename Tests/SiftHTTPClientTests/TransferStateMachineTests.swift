import Testing

@testable import SiftHTTPClient

/// The transfer state machine with plain integers standing in for continuations.
@Suite struct TransferStateMachineTests {
    typealias Machine = TransferStateMachine<Int, Int>

    private let head = ResponseHead(
        status: 200, headers: ["Content-Type": "text/plain"], url: "http://a.example/", httpVersion: "1.1",
        newConnections: 1)

    private func arrive(_ machine: inout Machine, _ count: Int, byte: UInt8 = 1) -> Machine.BodyArrivalAction {
        machine.bodyArrived([UInt8](repeating: byte, count: count))
    }

    @Test func aHeadWaiterIsResumedWhenTheHeadArrives() {
        var machine = Machine(highWater: 100)
        guard case .suspend = machine.waitForHead(1) else { Issue.record("should suspend"); return }
        #expect(machine.headArrived(head) == 1)
    }

    @Test func aHeadThatArrivesFirstWaitsForItsWaiter() {
        var machine = Machine(highWater: 100)
        #expect(machine.headArrived(head) == nil)
        guard case .resume(1, .success(let value)) = machine.waitForHead(1) else {
            Issue.record("should resume at once")
            return
        }
        #expect(value == head)
    }

    @Test func aFailureBeforeTheHeadFailsTheHeadWaiter() {
        var machine = Machine(highWater: 100)
        _ = machine.waitForHead(7)
        let action = machine.finished(HTTPClientError(.connectFailed, "refused"))
        #expect(action.head?.0 == 7)
        #expect(action.head?.1.kind == .connectFailed)
        #expect(action.chunk == nil)
    }

    @Test func chunksQueueUntilPolledAndEndAfterTheLast() {
        var machine = Machine(highWater: 100)
        _ = arrive(&machine, 10, byte: 1)
        _ = arrive(&machine, 20, byte: 2)
        #expect(machine.bufferedBytes == 30)
        _ = machine.finished(nil)
        guard case .chunk(let first, unpause: false) = machine.poll() else { Issue.record("first"); return }
        guard case .chunk(let second, unpause: false) = machine.poll() else { Issue.record("second"); return }
        #expect(first == [UInt8](repeating: 1, count: 10))
        #expect(second == [UInt8](repeating: 2, count: 20))
        guard case .end = machine.poll() else { Issue.record("end"); return }
        #expect(machine.bufferedBytes == 0)
        #expect(machine.peakBufferedBytes == 30)
    }

    @Test func aWaitingConsumerGetsTheRoundsPiecesAtTheFlush() {
        var machine = Machine(highWater: 100)
        guard case .suspended = machine.suspend(3) else { Issue.record("should suspend"); return }
        #expect(machine.flush() == nil, "nothing arrived yet")
        guard case .accepted(flush: true) = arrive(&machine, 5, byte: 1) else { Issue.record("flush asked"); return }
        guard case .accepted(flush: true) = arrive(&machine, 6, byte: 2) else { Issue.record("flush asked"); return }
        let flushed = machine.flush()
        #expect(flushed?.waiter == 3)
        #expect(flushed?.chunk == [UInt8](repeating: 1, count: 5) + [UInt8](repeating: 2, count: 6), "small pieces joined")
        #expect(machine.bufferedBytes == 0)
        #expect(machine.flush() == nil, "the waiter is resumed once")
    }

    @Test func theEndAfterUnflushedPiecesDeliversThePiecesFirst() {
        var machine = Machine(highWater: 100)
        guard case .suspended = machine.suspend(4) else { Issue.record("should suspend"); return }
        _ = arrive(&machine, 7)
        let action = machine.finished(nil)
        guard case (4, .success(let chunk?))? = action.chunk else { Issue.record("the chunk first"); return }
        #expect(chunk.count == 7)
        guard case .end = machine.poll() else { Issue.record("then the end"); return }
    }

    @Test func aChunkOverTheHighWaterPausesAndDrainingToHalfUnpauses() {
        var machine = Machine(highWater: 100)
        for _ in 0..<4 {
            guard case .accepted = arrive(&machine, 25) else { Issue.record("accept"); return }
        }
        #expect(machine.bufferedBytes == 100)
        guard case .pause = arrive(&machine, 25) else { Issue.record("should pause"); return }
        #expect(machine.pauseCount == 1)
        #expect(machine.bufferedBytes == 100, "a refused chunk is not kept: libcurl offers it again")
        guard case .chunk(_, unpause: false) = machine.poll() else { Issue.record("75 left"); return }
        guard case .chunk(_, unpause: true) = machine.poll() else { Issue.record("50 left: unpause"); return }
        guard case .chunk(_, unpause: false) = machine.poll() else { Issue.record("unpause asked once"); return }
        #expect(machine.peakBufferedBytes == 100)
    }

    @Test func anOversizedChunkIsTakenWhenNothingIsBuffered() {
        var machine = Machine(highWater: 10)
        guard case .accepted = arrive(&machine, 50) else { Issue.record("must not wedge"); return }
        guard case .pause = arrive(&machine, 1) else { Issue.record("then pause"); return }
    }

    @Test func aFailureReachesTheConsumerAfterTheBufferedChunks() {
        var machine = Machine(highWater: 100)
        _ = arrive(&machine, 10)
        _ = machine.finished(HTTPClientError(.transport, "reset"))
        guard case .chunk = machine.poll() else { Issue.record("chunk first"); return }
        guard case .failed(let error) = machine.poll() else { Issue.record("then the error"); return }
        #expect(error.kind == .transport)
    }

    @Test func cancellingDropsTheBufferFailsWaitersAndAsksForRemoval() {
        var machine = Machine(highWater: 100)
        _ = machine.headArrived(head)
        _ = machine.waitForHead(1)
        guard case .suspended = machine.suspend(2) else { Issue.record("suspend"); return }
        let action = machine.cancel(HTTPClientError(.cancelled, "gone"))
        #expect(action.removeFromDriver)
        #expect(action.end.chunk?.0 == 2)
        guard case .abort = arrive(&machine, 5) else { Issue.record("late bytes abort"); return }
        #expect(machine.finished(nil).chunk == nil, "the driver's end after a cancel changes nothing")
        guard case .failed(let error) = machine.poll() else { Issue.record("stays failed"); return }
        #expect(error.kind == .cancelled)
    }

    @Test func cancellingAfterTheEndOnlyDropsTheBuffer() {
        var machine = Machine(highWater: 100)
        _ = arrive(&machine, 10)
        _ = machine.finished(nil)
        let action = machine.cancel(HTTPClientError(.cancelled, "dropped"))
        #expect(!action.removeFromDriver)
        #expect(machine.bufferedBytes == 0)
    }

    @Test func aSecondConcurrentConsumerIsRefused() {
        var machine = Machine(highWater: 100)
        _ = machine.suspend(1)
        guard case .resume(2, .failure(let error), unpause: false) = machine.suspend(2) else {
            Issue.record("second consumer")
            return
        }
        #expect(error.message.contains("single consumer"))
    }
}
