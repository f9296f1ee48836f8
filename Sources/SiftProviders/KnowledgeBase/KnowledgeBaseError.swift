/// A knowledge-base failure: the index cannot be opened, built or searched.
public struct KnowledgeBaseError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case io
        case sqlite
        case format
        case notBuilt = "not_built"
        case schemaMismatch = "schema_mismatch"
        case cancelled
    }

    private let _code: Code
    /// What happened and, where it helps, what to do.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self._code = code
        self.message = message
    }

    /// Stable machine code: `io`, `sqlite`, `format`, `not_built`, `schema_mismatch`, `cancelled`.
    public var code: String { _code.rawValue }

    public var description: String { "\(code): \(message)" }

    /// A file could not be read, written or renamed.
    static func io(_ message: String) -> KnowledgeBaseError { .init(.io, message) }
    /// SQLite failed.
    static func sqlite(_ error: SQLiteError) -> KnowledgeBaseError { .init(.sqlite, error.description) }
    /// A source file is not in the expected format.
    static func format(_ message: String) -> KnowledgeBaseError { .init(.format, message) }
    /// There is no index at `path` yet.
    static func notBuilt(_ path: String) -> KnowledgeBaseError {
        .init(.notBuilt, "No knowledge-base index at \(path); build it first (siftd builds it at start).")
    }
    /// The index was written by another schema version.
    static func schemaMismatch(found: String, expected: Int) -> KnowledgeBaseError {
        .init(.schemaMismatch, "The index has schema \(found), this build expects \(expected); rebuild it.")
    }
    /// The build was cancelled.
    static let cancelled = KnowledgeBaseError(.cancelled, "The knowledge-base build was cancelled.")
}
