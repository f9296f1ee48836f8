import Logging
import SiftCore
import SiftText
import Synchronization
import Testing

@testable import SiftServer

/// The CPU queue: slots, first in first out within a priority, refusal when full, cancellation,
/// and the pipeline stepping out of its slot while it waits on the network.
@Suite("The CPU queue (SIFT_QUERY_CONCURRENCY, SIFT_QUERY_QUEUE)")
struct AdmissionQueueTests {
    /// Records which waiters got a slot, in order.
    final class Order: Sendable {
        private let names = Mutex<[String]>([])
        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }
    }

    /// Waits for `condition`, up to a minute: the whole suite runs beside this one, and its knowledge-base
    /// suites hold the cooperative threads for seconds at a time. A passing run never comes near the limit.
    static func poll(_ condition: () -> Bool) async throws {
        try await ResumableQueryTests.poll(within: .seconds(60), condition)
    }

    @Test func freeSlotsAreTakenWithoutWaitingAndTheRestWaitInOrder() async throws {
        let queue = AdmissionQueue(concurrency: 2, queueLimit: 10, metrics: nil)
        let a = try queue.admit(), b = try queue.admit(), c = try queue.admit(), d = try queue.admit()
        #expect(queue.waiting == 4)
        try await a.enter(resuming: false)
        try await b.enter(resuming: false)
        #expect(queue.running == 2 && queue.waiting == 2)
        let order = Order()
        let waiters = Task {
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await c.enter(resuming: false)
                    order.append("c")
                }
                try? await Self.poll { queue.inLine == 1 }  // c is in line before d asks
                group.addTask {
                    try await d.enter(resuming: false)
                    order.append("d")
                }
            }
        }
        try await Self.poll { queue.inLine == 2 }
        #expect(order.all.isEmpty && queue.waiting == 2)
        a.finish()
        try await Self.poll { order.all == ["c"] }
        #expect(queue.running == 2)
        b.leave()
        try await Self.poll { order.all == ["c", "d"] }
        await waiters.value
        for ticket in [b, c, d] { ticket.finish() }
        #expect(queue.running == 0 && queue.waiting == 0)
    }

    @Test func workBackFromTheNetworkGoesBeforeNewWork() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let holder = try queue.admit(), back = try queue.admit(), new = try queue.admit()
        try await back.enter(resuming: false)
        back.leave()  // off to the network
        try await holder.enter(resuming: false)
        let order = Order()
        async let newEntered: Void = { try await new.enter(resuming: false); order.append("new") }()
        try await Self.poll { queue.inLine == 1 }
        async let backEntered: Void = { try await back.enter(resuming: true); order.append("back") }()
        try await Self.poll { queue.inLine == 2 }
        holder.finish()
        try await backEntered
        #expect(order.all == ["back"])
        back.finish()
        try await newEntered
        #expect(order.all == ["back", "new"])
        new.finish()
        #expect(queue.running == 0 && queue.waiting == 0)
    }

    @Test func aFullQueueRefusesWithOverloadedAndARetryAfter() throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 2, metrics: SiftMetrics(version: "test"))
        let first = try queue.admit(), second = try queue.admit()
        #expect(throws: QueryError.self) { _ = try queue.admit() }
        do {
            _ = try queue.admit()
        } catch {
            #expect(error.code == "overloaded")
            #expect(error.httpStatus == 503)
            #expect((1...30).contains(error.retryAfter ?? 0))
            #expect(error.message.contains("SIFT_QUERY_QUEUE"))
        }
        first.finish()  // a reservation given back makes room
        let third = try queue.admit()
        for ticket in [second, third] { ticket.finish() }
        #expect(queue.waiting == 0)
    }

    @Test func aFinishedTicketGetsNoSlot() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let ticket = try queue.admit()
        ticket.finish()
        await #expect(throws: CancellationError.self) { try await ticket.enter(resuming: false) }
        #expect(queue.running == 0 && queue.waiting == 0)
    }

    @Test func aCancelledWaiterLeavesTheLineAndHoldsNothing() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let holder = try queue.admit(), waiter = try queue.admit()
        try await holder.enter(resuming: false)
        let waiting = Task { try await waiter.enter(resuming: false) }
        try await Self.poll { queue.inLine == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(queue.waiting == 0)
        waiter.finish()
        holder.finish()
        #expect(queue.running == 0)
        // The slot is free again for the next query.
        let next = try queue.admit()
        try await next.enter(resuming: false)
        #expect(queue.running == 1)
        next.finish()
    }

    // MARK: the pipeline in the queue

    /// A provider that answers once `gate` opens; remote or local as asked.
    struct GatedProvider: SearchProvider {
        let name: String
        let isRemote: Bool
        let gate: Gate
        func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
            await gate.wait()
            return SearchResults(hits: [
                SearchHit(url: "kb://\(name)", title: name, snippet: "Canberra is the capital of Australia.", score: 1)
            ])
        }
    }

    func pipeline(_ provider: any SearchProvider) -> Pipeline<ContinuousClock> {
        Pipeline(
            analyzer: QueryAnalyzer(), providers: [provider], ranker: BM25Ranker(), synthesizer: ExtractiveSynthesizer(),
            logger: testLogger())
    }

    /// Runs `pipeline` under `ticket` as the query machine does, recording its event types.
    func run(_ pipeline: Pipeline<ContinuousClock>, ticket: AdmissionQueue.Ticket, into types: Order) async -> PipelineEvent.Outcome {
        let outcome = await Admission.$ticket.withValue(ticket) {
            await pipeline.run(id: QueryID(), text: "What is the capital of Australia?") { types.append($0.type.rawValue) }
        }
        ticket.finish()
        return outcome
    }

    @Test func aQueryWritesItsFirstStatusThenWaitsWhileLocalWorkHoldsTheOnlySlot() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let gate = Gate()
        let busy = pipeline(GatedProvider(name: "kb", isRemote: false, gate: gate))
        let firstEvents = Order(), secondEvents = Order()
        let first = try queue.admit(), second = try queue.admit()
        async let firstOutcome = run(busy, ticket: first, into: firstEvents)
        try await Self.poll { firstEvents.all.contains("status") && firstEvents.all.count >= 3 }
        async let secondOutcome = run(busy, ticket: second, into: secondEvents)
        try await Self.poll { secondEvents.all == ["status"] && queue.waiting == 1 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(secondEvents.all == ["status"], "the second query computes only once the first gives up its slot")
        await gate.open()
        #expect(await firstOutcome == .complete)
        #expect(await secondOutcome == .complete)
        #expect(secondEvents.all.last == "done")
        #expect(queue.running == 0 && queue.waiting == 0)
    }

    @Test func aQueryWaitingOnTheNetworkHoldsNoSlot() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let slowWeb = Gate(), open = Gate()
        await open.open()
        let firstEvents = Order(), secondEvents = Order()
        let first = try queue.admit(), second = try queue.admit()
        async let firstOutcome = run(pipeline(GatedProvider(name: "web", isRemote: true, gate: slowWeb)), ticket: first, into: firstEvents)
        try await Self.poll { firstEvents.all.contains("query") && queue.running == 0 }
        // The first query waits on its web search: the second one computes meanwhile and finishes.
        let secondOutcome = await run(pipeline(GatedProvider(name: "kb", isRemote: false, gate: open)), ticket: second, into: secondEvents)
        #expect(secondOutcome == .complete)
        #expect(!firstEvents.all.contains("done"))
        await slowWeb.open()
        #expect(await firstOutcome == .complete)
        #expect(queue.running == 0 && queue.waiting == 0)
    }

    /// An answer slowed down on purpose (SIFT_DEBUG_DELTA_DELAY_MS) stands in for a slow model: it holds no turn,
    /// so tests and benchmarks can hold many streams open.
    @Test func anAnswerSlowedOnPurposeHoldsNoTurn() async throws {
        let queue = AdmissionQueue(concurrency: 1, queueLimit: 10, metrics: nil)
        let open = Gate()
        await open.open()
        var configuration = PipelineConfiguration()
        configuration.debugDeltaDelay = .seconds(600)
        let slowed = Pipeline(
            analyzer: QueryAnalyzer(), providers: [GatedProvider(name: "kb", isRemote: false, gate: open)], ranker: BM25Ranker(),
            synthesizer: ExtractiveSynthesizer(), configuration: configuration, logger: testLogger())
        let slowEvents = Order(), quickEvents = Order()
        let slow = try queue.admit(), quick = try queue.admit()
        let slowTask = Task { await run(slowed, ticket: slow, into: slowEvents) }
        try await Self.poll { slowEvents.all.contains("ranked") && queue.running == 0 }
        let outcome = await run(pipeline(GatedProvider(name: "kb", isRemote: false, gate: open)), ticket: quick, into: quickEvents)
        #expect(outcome == .complete)
        slowTask.cancel()
        #expect(await slowTask.value == .cancelled)
        #expect(queue.running == 0 && queue.waiting == 0)
    }
}
