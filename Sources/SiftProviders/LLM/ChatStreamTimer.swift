/// The deadline one attempt of a streamed completion runs under. Plain state, no I/O:
/// the client's watchdog asks it whether time is up.
///
/// Until the first event reaches the consumer (normally the first `.content`), the
/// deadline is the attempt's start plus the first-token timeout, whatever arrives
/// before. After it, every event received pushes the deadline to that moment plus the
/// token timeout. While the consumer is handling an event the clock stops: a slow
/// consumer is not a stalled server.
///
/// Times are offsets on the client's clock.
struct ChatStreamTimer: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Nothing delivered yet: the first-token timeout runs.
        case awaitingFirstToken
        /// Streaming: the token timeout runs between chunks.
        case streaming
    }

    enum Verdict: Sendable, Equatable {
        /// Not yet: look again at this time.
        case wait(until: Duration)
        /// The deadline of this phase has passed.
        case expired(Phase)
    }

    let firstTokenTimeout: Duration
    let tokenTimeout: Duration
    private(set) var phase = Phase.awaitingFirstToken
    private(set) var deadline: Duration
    /// The consumer is handling an event.
    private(set) var isDelivering = false
    /// An event was handed to the consumer: the attempt can no longer be retried.
    private(set) var hasDelivered = false

    /// A timer for an attempt that started at `start`.
    init(start: Duration, firstTokenTimeout: Duration, tokenTimeout: Duration) {
        self.firstTokenTimeout = firstTokenTimeout
        self.tokenTimeout = tokenTimeout
        deadline = start + firstTokenTimeout
    }

    /// An event (a chunk with data) arrived from the server at `now`.
    mutating func received(at now: Duration) {
        if phase == .streaming { deadline = now + tokenTimeout }
    }

    /// An event is about to be handed to the consumer.
    mutating func willDeliver() {
        isDelivering = true
        hasDelivered = true
    }

    /// The consumer has handled the event, at `now`.
    mutating func didDeliver(at now: Duration) {
        isDelivering = false
        phase = .streaming
        deadline = now + tokenTimeout
    }

    /// Whether the deadline has passed at `now`, or when to look again.
    ///
    /// The first event brings the deadline forward (to its time plus the token
    /// timeout), so before it the answer is never later than `now + tokenTimeout`: a
    /// watchdog that sleeps until then cannot oversleep the new deadline.
    func check(at now: Duration) -> Verdict {
        if isDelivering { return .wait(until: now + tokenTimeout) }
        guard now < deadline else { return .expired(phase) }
        switch phase {
        case .awaitingFirstToken: return .wait(until: min(deadline, now + tokenTimeout))
        case .streaming: return .wait(until: deadline)
        }
    }
}
