import Logging

/// Metadata merging shared by the handlers in this module.
enum LogRecordMetadata {
    /// Handler metadata, then the provider's, then the record's own, then the error
    /// (as `error` and `error_type`); later sources win on equal keys.
    static func merged(
        handler: Logger.Metadata,
        provider: Logger.MetadataProvider?,
        event: Logger.Metadata?,
        error: (any Error)?
    ) -> Logger.Metadata {
        var metadata = handler
        if let provided = provider?.get(), !provided.isEmpty {
            metadata.merge(provided, uniquingKeysWith: { _, new in new })
        }
        if let event, !event.isEmpty {
            metadata.merge(event, uniquingKeysWith: { _, new in new })
        }
        if let error {
            metadata["error"] = .string("\(error)")
            metadata["error_type"] = .string(String(reflecting: type(of: error)))
        }
        return metadata
    }

    /// The keys of `metadata` in output order: `query_id` first (it ties a query's
    /// records together), then the rest sorted.
    static func orderedKeys(_ metadata: Logger.Metadata) -> [String] {
        metadata.keys.sorted { lhs, rhs in
            if lhs == "query_id" { return rhs != "query_id" }
            if rhs == "query_id" { return false }
            return lhs < rhs
        }
    }
}
