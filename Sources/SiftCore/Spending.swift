/// What a query spends of its asker's budgets: upstream search requests actually sent (a cache hit
/// costs nothing) and LLM tokens. The query machine sets ``Spending/meter`` for the task that runs a
/// query whose asker has budgets (an API key); the providers and the synthesizer report to it.
public protocol SpendingMeter: Sendable {
    /// One request was sent to a paid or rate-limited search upstream (Brave, SearXNG).
    func upstreamRequest(provider: String)
    /// An LLM read and wrote this many tokens (as it reported them, or as estimated).
    func tokens(_ count: Int)
}

public enum Spending {
    /// The meter of the query this task runs for; nil when nobody counts.
    @TaskLocal public static var meter: (any SpendingMeter)?
}
