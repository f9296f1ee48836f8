import SiftCore

/// Runs one query and reports its events; ``Pipeline`` is the production runner.
///
/// The server depends on this seam rather than on ``Pipeline`` directly so that
/// tests can script event sequences (floods, stalls) that a real pipeline
/// would not produce on demand.
public protocol QueryRunning: Sendable {
    /// Validates and analyzes `bytes` as a query before any stream starts.
    func validate(_ bytes: [UInt8]) throws(QueryError) -> AnalyzedQuery
    /// Runs the validated `query`; `emit` receives every event, ending with exactly one `done`.
    func run(id: QueryID, query: AnalyzedQuery, emit: @escaping @Sendable (PipelineEvent) async -> Void) async
        -> PipelineEvent.Outcome
}

extension Pipeline: QueryRunning {
    public func validate(_ bytes: [UInt8]) throws(QueryError) -> AnalyzedQuery {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw QueryError.invalidEncoding }
        return try analyzer.analyze(text)
    }
}
