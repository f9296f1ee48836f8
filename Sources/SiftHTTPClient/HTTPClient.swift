import Logging

/// An async HTTP/1.1 and HTTP/2 client over libcurl's multi interface.
///
/// One dedicated thread drives every transfer; connections are cached and reused
/// across requests, at most `maxConnectionsPerHost` per host. A client is one pool:
/// siftd makes one per upstream kind (each API, the pages) so that a busy kind never
/// queues behind another's cap. A request waits for a connection at most its total
/// timeout, then fails with `.queuedTooLong`. Bodies stream with backpressure. Call `shutdown()` when done (or run the client as a `Service`).
///
/// ```swift
/// let client = try HTTPClient(logger: logger)
/// defer { client.shutdown() }
/// let response = try await client.execute(HTTPRequest(url: "https://example.org/"))
/// let html = try await response.body.collect(upTo: 2 << 20)
/// ```
public final class HTTPClient: Sendable {
    /// Client-wide settings.
    public struct Configuration: Sendable {
        /// Most connections open to one host (name and port) at once; requests beyond
        /// wait for one (CURLMOPT_MAX_HOST_CONNECTIONS); 0 is no limit. With HTTP/2 a
        /// connection carries many requests.
        public var maxConnectionsPerHost: Int = 4
        /// Most connections open at once (CURLMOPT_MAX_TOTAL_CONNECTIONS); 0 is no limit.
        public var maxTotalConnections: Int = 64
        /// The `User-Agent` of every request that sets none.
        public var userAgent: String = "siftd"
        /// Hosts, addresses and CIDR blocks (IPv4 and IPv6) that the private-address guard
        /// lets through: `intranet.example`, `.corp.example` (its subdomains),
        /// `10.1.2.3`, `10.0.0.0/8`, `fd00::/8`. Read from `SIFT_FETCH_ALLOW_HOSTS`.
        public var allowedHosts: [String] = []
        /// Fixed name resolutions, libcurl's CURLOPT_RESOLVE form `host:port:address`
        /// (tests use it to make a name resolve to 127.0.0.1).
        public var resolve: [String] = []
        /// Body bytes held per transfer before it is paused until the consumer catches up.
        /// Room for a few receive buffers: the consumer takes a moment to be scheduled, and a
        /// smaller buffer paused a fast sender every time it did (one 1 GiB body: 256 KiB paused
        /// it 4,000 times).
        public var bodyBufferBytes: Int = 1024 * 1024
        /// libcurl's receive buffer per transfer (CURLOPT_BUFFERSIZE): the most one read from the
        /// socket takes. (libcurl still hands the body to the write callback in pieces of at most
        /// 16 KiB, CURL_MAX_WRITE_SIZE.) A larger buffer means fewer reads and window updates on
        /// a big body; it is allocated per transfer while it runs.
        public var receiveBufferBytes: Int = 256 * 1024
        /// The pool's name in metrics and messages (`brave`, `searxng`, `pages`, `llm`).
        public var name: String = "http"
        /// Told how long each request waited for a connection.
        public var observer: (any HTTPClientObserver)? = nil
        /// A PEM file of CA certificates to trust instead of the system's (CURLOPT_CAINFO), for
        /// upstreams behind a private CA. nil: the system's store.
        public var caFile: String? = nil

        /// The defaults.
        public init() {}
    }

    /// The settings the client was made with.
    public let configuration: Configuration
    private let driver: CurlDriver
    private let logger: Logger

    /// Starts the client's driver thread. Throws `.invalidConfiguration` for an unusable
    /// `allowedHosts` entry.
    public init(configuration: Configuration = .init(), logger: Logger) throws {
        let policy = try AddressPolicy(allowedHosts: configuration.allowedHosts)
        self.configuration = configuration
        self.logger = logger
        self.driver = try CurlDriver(
            settings: DriverSettings(
                maxConnectionsPerHost: max(0, configuration.maxConnectionsPerHost),
                maxTotalConnections: max(0, configuration.maxTotalConnections),
                resolve: configuration.resolve,
                policy: policy,
                name: configuration.name,
                observer: configuration.observer,
                caFile: configuration.caFile,
                receiveBufferBytes: min(max(1024, configuration.receiveBufferBytes), 10 << 20)),
            logger: logger)
    }

    deinit {
        driver.shutdown()
    }

    /// Sends `request`, following redirects, and returns once the final response head has
    /// arrived; the body streams after.
    ///
    /// Idempotent requests are retried per `request.retry` after resolve or connect
    /// failures and 5xx responses; the last 5xx is returned as a response. Any other HTTP
    /// status is a response, not an error.
    ///
    /// - Throws: `HTTPClientError`.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let prepared = try PreparedRequest(request, userAgent: configuration.userAgent)
        let attempts = request.retry.attempts(for: request.method)
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        while true {
            let transfer = Transfer(request: prepared, driver: driver, bufferBytes: configuration.bodyBufferBytes)
            let outcome: Result<ResponseHead, HTTPClientError>
            do {
                outcome = .success(try await transfer.start())
            } catch let error as HTTPClientError {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let head):
                let body = HTTPResponseBody(transfer: transfer)
                guard RetryPolicy.isRetryable(status: head.status), attempt < attempts else {
                    return HTTPResponse(head: head, body: body, attempts: attempt)
                }
                body.discard("a \(head.status) response from \(prepared.host) is retried")
                logger.debug(
                    "retrying HTTP request after a server error",
                    metadata: ["host": "\(prepared.host)", "status": "\(head.status)", "attempt": "\(attempt)"])
            case .failure(let error):
                guard RetryPolicy.isRetryable(error), attempt < attempts else {
                    guard attempt > 1 else { throw error }
                    var final = error
                    final.message += " (after \(attempt) attempts)"
                    throw final
                }
                logger.debug(
                    "retrying HTTP request after a connect failure",
                    metadata: ["host": "\(prepared.host)", "error": "\(error)", "attempt": "\(attempt)"])
            }
            attempt += 1
            do {
                try await Task.sleep(for: request.retry.delay(beforeAttempt: attempt, using: &generator))
            } catch {
                throw HTTPClientError(.cancelled, "the request to \(prepared.host) was cancelled while waiting to retry")
            }
        }
    }

    /// Fails every transfer in flight with `.shutdown` and stops the driver thread; later
    /// requests fail with `.shutdown`. Idempotent; also done when the client is released.
    public func shutdown() {
        driver.shutdown()
    }

    /// Easy handles alive right now: 0 once every transfer has ended and been freed.
    @_spi(Testing) public var liveTransferCount: Int { driver.liveEasyHandles }
}
