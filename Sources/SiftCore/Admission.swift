/// A query's place in the query machine's CPU queue (``Admission/ticket``). The pipeline holds a
/// slot while it computes (analysis, a knowledge-base search, ranking, an extractive answer) and
/// steps aside while it only waits on a remote upstream (a web search, page reads, an LLM's stream),
/// so that queries waiting for CPU queue, and queries waiting on the network do not hold the cores.
public protocol AdmissionTicket: Sendable {
    /// Waits for a slot; returns at once when one is free and nobody of the same or a higher priority waits.
    /// `resuming` asks for the higher priority: work already started (back from the network) goes before new work.
    /// Throws `CancellationError` when the task is cancelled while it waits.
    func enter(resuming: Bool) async throws
    /// Gives up the slot (to wait on the network, or at the end); nothing when none is held.
    func leave()
}

public enum Admission {
    /// The ticket of the query this task runs, set by the query machine; nil when nothing is queued (tests, tools).
    @TaskLocal public static var ticket: (any AdmissionTicket)?
}
