/// The stages a query goes through, in order.
public enum Stage: String, Sendable, Codable, CaseIterable {
    case accepting
    case analyzing
    case searching
    case fetching
    case ranking
    case synthesizing
    case streaming
    case done
}
