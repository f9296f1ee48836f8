import SiftCore

/// The HTTP status of each error code: the transport's knowledge, kept out of `SiftCore`.
enum HTTPStatusMapping {
    /// The status for a ``QueryError/code`` (or an `error` event's `code`); 500 for a code not listed.
    static func status(ofCode code: String) -> Int {
        switch code {
        case "empty_query", "query_too_long", "invalid_characters", "invalid_encoding", "bad_request",
            "bad_last_event_id", "key_in_url":
            400
        case "unauthorized": 401
        case "forbidden": 403
        case "no_sources", "session_not_found", "query_not_found": 404
        case "session_expired", "query_expired": 410
        case "query_log_full": 507
        case "body_too_large": 413
        case "rate_limited", "too_many_streams", "budget_exhausted": 429
        case "providers_failed": 502
        case "overloaded", "shutting_down", "store_unavailable", "replica_lost": 503
        default: 500
        }
    }
}

extension QueryError {
    /// The HTTP status this error answers with.
    var httpStatus: Int { HTTPStatusMapping.status(ofCode: code) }

    /// Whether the query was refused for capacity or shutdown rather than for what it asked:
    /// every client hears these as a status (429, 503) with `Retry-After`, before any stream.
    var isAdmissionRefusal: Bool { httpStatus == 429 || httpStatus == 503 }
}
