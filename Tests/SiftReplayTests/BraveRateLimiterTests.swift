@testable import SiftReplay
import Testing

@Suite struct BraveRateLimiterTests {
    private func at(_ milliseconds: Int) -> ReplayInstant {
        ReplayInstant(offset: .milliseconds(milliseconds))
    }

    @Test func theFirstRequestOpensTheWindowAndIsCounted() {
        var limiter = BraveRateLimiter(
            perSecond: 1, monthlyQuota: 2_000, monthUsed: 0, monthWindow: .seconds(2_592_000),
            monthRemaining: .seconds(1_419_705), now: at(0))
        #expect(limiter.headers(at: at(0)).remaining == "1, 2000")
        #expect(limiter.admit(at: at(0), billable: true) == .allowed)
        let headers = limiter.headers(at: at(400))
        #expect(headers.limit == "1, 2000")
        #expect(headers.policy == "1;w=1, 2000;w=2592000")
        #expect(headers.remaining == "0, 1999")
        #expect(headers.reset == "1, 1419705")
        #expect(limiter.admit(at: at(999), billable: true) == .rateLimited)
        #expect(limiter.admit(at: at(1_000), billable: true) == .allowed)
        #expect(limiter.currentMonthUsage(at: at(1_000)) == 2)
    }

    @Test func unbillableRequestsAreJudgedButNotCounted() {
        var limiter = BraveRateLimiter(
            perSecond: 1, monthlyQuota: 5, monthUsed: 0, monthWindow: .seconds(60), monthRemaining: .seconds(60),
            now: at(0))
        #expect(limiter.admit(at: at(0), billable: false) == .allowed)
        #expect(limiter.admit(at: at(1), billable: false) == .allowed)
        #expect(limiter.currentRate(at: at(1)) == 0)
        #expect(limiter.admit(at: at(2), billable: true) == .allowed)
        #expect(limiter.admit(at: at(3), billable: false) == .rateLimited)
    }

    @Test func theMonthRollsOverAndResetsTheQuota() {
        var limiter = BraveRateLimiter(
            perSecond: 10, monthlyQuota: 2, monthUsed: 2, monthWindow: .seconds(30), monthRemaining: .seconds(5),
            now: at(0))
        #expect(limiter.admit(at: at(0), billable: true) == .quotaExceeded)
        #expect(limiter.headers(at: at(4_500)).reset == "1, 1")
        #expect(limiter.admit(at: at(5_000), billable: true) == .allowed)
        #expect(limiter.headers(at: at(5_000)).remaining == "9, 1")
        #expect(limiter.headers(at: at(5_000)).reset == "1, 30")
    }

    @Test func aZeroQuotaIsUncapped() {
        var limiter = BraveRateLimiter(
            perSecond: 50, monthlyQuota: 0, monthUsed: 10_000, monthWindow: .seconds(2_592_000),
            monthRemaining: .seconds(100), now: at(0))
        #expect(limiter.admit(at: at(0), billable: true) == .allowed)
        #expect(limiter.headers(at: at(0)).remaining == "49, 0")
        #expect(limiter.headers(at: at(0)).policy == "50;w=1, 0;w=2592000")
    }
}
