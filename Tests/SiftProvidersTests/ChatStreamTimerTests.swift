import Testing

@testable import SiftProviders

@Suite("Chat stream timer")
struct ChatStreamTimerTests {
    func timer(start: Duration = .seconds(100)) -> ChatStreamTimer {
        ChatStreamTimer(start: start, firstTokenTimeout: .seconds(60), tokenTimeout: .seconds(15))
    }

    @Test func theFirstTokenDeadlineCountsFromTheStartWhateverArrives() {
        var timer = timer()
        // Looked at again a token timeout later at most, in case the first token moves the deadline.
        #expect(timer.check(at: .seconds(100)) == .wait(until: .seconds(115)))
        // Chunks before the first delivered event (a role-only chunk) do not extend it.
        timer.received(at: .seconds(150))
        #expect(timer.check(at: .seconds(159)) == .wait(until: .seconds(160)))
        #expect(timer.check(at: .seconds(160)) == .expired(.awaitingFirstToken))
        #expect(!timer.hasDelivered)
    }

    @Test func aWatchdogSleepingBeforeTheFirstTokenCannotOversleepTheTokenDeadline() {
        var timer = timer()
        guard case .wait(let wake) = timer.check(at: .seconds(100)) else {
            Issue.record("expired at once")
            return
        }
        // The first token comes at once, then the stream stalls.
        timer.willDeliver()
        timer.didDeliver(at: .seconds(100))
        #expect(wake <= .seconds(115))
        #expect(timer.check(at: wake) == .wait(until: .seconds(115)) || timer.check(at: wake) == .expired(.streaming))
        #expect(timer.check(at: .seconds(115)) == .expired(.streaming))
    }

    @Test func afterTheFirstTokenEachChunkPushesTheTokenDeadline() {
        var timer = timer()
        timer.willDeliver()
        #expect(timer.hasDelivered)
        timer.didDeliver(at: .seconds(110))
        #expect(timer.phase == .streaming)
        #expect(timer.check(at: .seconds(110)) == .wait(until: .seconds(125)))
        timer.received(at: .seconds(120))
        #expect(timer.check(at: .seconds(126)) == .wait(until: .seconds(135)))
        #expect(timer.check(at: .seconds(135)) == .expired(.streaming))
    }

    @Test func theClockStopsWhileTheConsumerHandlesAnEvent() {
        var timer = timer()
        timer.willDeliver()
        // Long past both deadlines, but the consumer is busy: not the server's fault.
        #expect(timer.check(at: .seconds(1000)) == .wait(until: .seconds(1015)))
        timer.didDeliver(at: .seconds(1000))
        #expect(timer.check(at: .seconds(1014)) == .wait(until: .seconds(1015)))
    }
}
