import CSQLite

/// A failed SQLite call: the result code and SQLite's own message.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary or extended SQLite result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`...).
    public let code: Int32
    /// SQLite's message (`sqlite3_errmsg`), or a description of the misuse.
    public let message: String
    /// The statement or operation that failed, for logs.
    public let context: String

    /// A failure with `code` and `message`.
    public init(code: Int32, message: String, context: String = "") {
        self.code = code
        self.message = message
        self.context = context
    }

    /// The error SQLite reports for `handle` after a call returned `code`.
    init(code: Int32, handle: OpaquePointer?, context: String) {
        let message: String
        if let handle, let text = sqlite3_errmsg(handle) {
            message = String(cString: text)
        } else if let text = sqlite3_errstr(code) {
            message = String(cString: text)
        } else {
            message = "SQLite error \(code)"
        }
        self.init(code: code, message: message, context: context)
    }

    public var description: String {
        context.isEmpty ? "SQLite error \(code): \(message)" : "SQLite error \(code): \(message) (\(context))"
    }
}
