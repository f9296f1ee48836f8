import HTTPTypes
import Synchronization

/// One request as a replay server saw it, and the status it answered with.
public struct RecordedRequest: Sendable {
    /// The request method.
    public var method: HTTPRequest.Method
    /// The path, without the query string.
    public var path: String
    /// The query parameters in the order they came, percent- and `+`-decoded;
    /// for a form `POST` the form fields follow the URL's own parameters.
    public var parameters: [ReplayParameter]
    /// The request headers exactly as received.
    public var headers: HTTPFields
    /// The status the replay answered with.
    public var status: HTTPResponse.Status
    /// When the replay received the request, on the clock it was configured with.
    public var receivedAt: Duration

    /// The first value of the parameter `name`, if it was sent.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }

    /// The value of the header `name`, if it was sent (several values joined with ", ").
    public func header(_ name: String) -> String? {
        guard let field = HTTPField.Name(name) else { return nil }
        return headers[field]
    }
}

/// A query or form parameter.
public struct ReplayParameter: Sendable, Hashable {
    /// The decoded name.
    public var name: String
    /// The decoded value.
    public var value: String

    /// A parameter named `name` with `value`.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A thread-safe record of the requests a replay server saw, for tests to read.
///
/// Bounded: past `capacity` entries the oldest are dropped, so a long-running
/// `sift-replay` does not grow without end.
public final class ReplayRequestLog: Sendable {
    private let storage: Mutex<[RecordedRequest]>
    /// The most entries kept.
    public let capacity: Int

    /// An empty log keeping at most `capacity` entries.
    public init(capacity: Int = 10_000) {
        self.capacity = max(1, capacity)
        self.storage = Mutex([])
    }

    /// Every entry kept, oldest first.
    public var entries: [RecordedRequest] { storage.withLock { $0 } }

    /// How many entries are kept.
    public var count: Int { storage.withLock { $0.count } }

    /// The newest entry.
    public var last: RecordedRequest? { storage.withLock { $0.last } }

    /// Forgets every entry.
    public func removeAll() {
        storage.withLock { $0.removeAll() }
    }

    func append(_ entry: RecordedRequest) {
        storage.withLock { entries in
            if entries.count >= capacity { entries.removeFirst(entries.count - capacity + 1) }
            entries.append(entry)
        }
    }
}
