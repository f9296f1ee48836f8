import CCurl

/// The driver thread's side of one transfer: the easy handle, the lists and buffers it
/// points into, and what the callbacks learn. Created, used and freed on the driver
/// thread only; libcurl's callbacks reach it through an unretained context pointer, valid
/// because the driver keeps it alive while the handle is in the multi.
final class EasyTransfer {
    let transfer: Transfer
    let easy: UnsafeMutableRawPointer
    var request: PreparedRequest { transfer.request }

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var released = false
    private let policy: AddressPolicy
    private let settings: DriverSettings

    // What the header callback has seen of the current response.
    private var status = 0
    private var httpVersion = ""
    private var headers = HTTPHeaders()
    private var sawStatusLine = false
    private var headDelivered = false

    /// Body bytes accepted so far (after decoding).
    private var bodyBytes = 0
    /// Set when the write callback aborts because the body is over `maxBodyBytes`.
    private var bodyError: HTTPClientError?
    /// Set when the SSRF guard refuses an address.
    private var blocked: HTTPClientError?

    /// When the transfer was added to the multi.
    var addedAt: ContinuousClock.Instant?
    /// When the transfer stopped waiting for a connection: libcurl began resolving its host,
    /// opened a socket for it, or put it on a cached connection. nil while it waits.
    private(set) var leftQueueAt: ContinuousClock.Instant?
    /// The last time a byte arrived, or the request went onto a connection; nil before
    /// that (the connect timeout covers the wait for a connection).
    private(set) var lastActivity: ContinuousClock.Instant?
    /// Body bytes were buffered for a waiting consumer: the driver flushes at the end of its round.
    var needsFlush = false
    /// Whether the write callback paused the transfer (backpressure).
    private(set) var isPaused = false
    private let clock = ContinuousClock()

    init(transfer: Transfer, settings: DriverSettings) throws(HTTPClientError) {
        guard let easy = curl_easy_init() else {
            throw HTTPClientError(.transport, "libcurl could not create an easy handle")
        }
        self.transfer = transfer
        self.easy = easy
        self.policy = settings.policy
        self.settings = settings
        let errorSize = sift_curl_error_size()
        errorBuffer = .allocate(capacity: errorSize)
        errorBuffer.initialize(repeating: 0, count: errorSize)
        do {
            try configure(settings)
        } catch {
            release()
            throw error
        }
    }

    deinit {
        release()
    }

    /// Frees the easy handle, the lists and the error buffer. The handle must already be
    /// out of the multi. Idempotent.
    func release() {
        guard !released else { return }
        released = true
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        curl_slist_free_all(resolveList)
        headerList = nil
        resolveList = nil
        errorBuffer.deallocate()
    }

    private func configure(_ settings: DriverSettings) throws(HTTPClientError) {
        let request = self.request
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, request.maxRedirects > 0 ? 1 : 0)
        try set(CURLOPT_MAXREDIRS, request.maxRedirects)
        try set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, request.totalTimeoutMilliseconds)
        try set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding this libcurl decodes
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
        try set(CURLOPT_USERAGENT, request.userAgent)
        try set(CURLOPT_PROXY, "")  // never a proxy from the environment: the guard checks the real peer
        try set(CURLOPT_BUFFERSIZE, settings.receiveBufferBytes)
        if request.isTLS {
            // Over TLS, wait for a connection in progress to learn (ALPN) whether it multiplexes
            // before opening another: a burst to an h2 upstream rides one connection.
            try set(CURLOPT_PIPEWAIT, 1)
        }
        if let caFile = settings.caFile {
            try set(CURLOPT_CAINFO, caFile)
        }
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        if let max = request.maxBodyBytes {
            // Refuses at once a response whose Content-Length is over the limit.
            try check(sift_curl_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max)), "CURLOPT_MAXFILESIZE_LARGE")
        }

        switch request.method {
        case .get:
            try set(CURLOPT_HTTPGET, 1)
        case .head:
            try set(CURLOPT_NOBODY, 1)
        case .post:
            try set(CURLOPT_POST, 1)
            let body = request.body ?? []
            try check(sift_curl_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "CURLOPT_POSTFIELDSIZE_LARGE")
            if body.isEmpty {
                try set(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                let code = body.withUnsafeBytes {
                    sift_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                }
                try check(code, "CURLOPT_COPYPOSTFIELDS")
            }
        }

        headerList = try Self.slist(request.headerLines)
        if let headerList {
            try check(sift_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        }
        resolveList = try Self.slist(settings.resolve)
        if let resolveList {
            try check(sift_curl_easy_setopt_slist(easy, CURLOPT_RESOLVE, resolveList), "CURLOPT_RESOLVE")
        }

        try check(sift_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, writeCallback), "CURLOPT_WRITEFUNCTION")
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        try check(sift_curl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, headerCallback), "CURLOPT_HEADERFUNCTION")
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        try check(sift_curl_easy_setopt_prereq_callback(easy, prereqCallback), "CURLOPT_PREREQFUNCTION")
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_PREREQDATA, context), "CURLOPT_PREREQDATA")
        // Both mark the end of the wait for a connection; the socket callback also guards addresses.
        try check(sift_curl_easy_setopt_opensocket_callback(easy, openSocketCallback), "CURLOPT_OPENSOCKETFUNCTION")
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, context), "CURLOPT_OPENSOCKETDATA")
        try check(sift_curl_easy_setopt_resolver_start_callback(easy, resolverStartCallback), "CURLOPT_RESOLVER_START_FUNCTION")
        try check(sift_curl_easy_setopt_pointer(easy, CURLOPT_RESOLVER_START_DATA, context), "CURLOPT_RESOLVER_START_DATA")
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(sift_curl_easy_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        try check(sift_curl_easy_setopt_string(easy, option, value), "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(code))
            throw HTTPClientError(.transport, "libcurl refused \(what): \(text)", curlCode: Int(code.rawValue))
        }
    }

    private static func slist(_ lines: [String]) throws(HTTPClientError) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw HTTPClientError(.transport, "libcurl could not allocate a list entry")
            }
            list = appended
        }
        return list
    }

    // MARK: backpressure

    /// Resumes a transfer the write callback paused; an error if libcurl refuses. libcurl
    /// may call the write callback from inside `curl_easy_pause`, which may pause it again.
    func unpause(now: ContinuousClock.Instant) -> HTTPClientError? {
        guard isPaused, !released else { return nil }
        isPaused = false
        lastActivity = now
        let code = curl_easy_pause(easy, sift_curl_pause_cont())
        guard code == CURLE_OK else {
            return HTTPClientError(
                .transport,
                "libcurl could not resume the transfer from \(request.host): \(String(cString: curl_easy_strerror(code)))",
                curlCode: Int(code.rawValue))
        }
        return nil
    }

    // MARK: callbacks

    fileprivate func headerLine(_ bytes: UnsafeRawBufferPointer) {
        lastActivity = clock.now
        guard !headDelivered else { return }  // trailers
        var line = bytes[...]
        while let last = line.last, last == 0x0a || last == 0x0d { line = line.dropLast() }
        if line.starts(with: "HTTP/".utf8) {
            parseStatusLine(line)
            return
        }
        if line.isEmpty {
            endOfHead()
            return
        }
        if let first = line.first, first == 0x20 || first == 0x09 {
            return  // obsolete line folding: ignored
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = Self.text(line[line.startIndex..<colon])
        let value = Self.text(line[line.index(after: colon)...]).trimmingASCIIWhitespace()
        headers.add(name: name, value: value)
    }

    private func parseStatusLine(_ line: Slice<UnsafeRawBufferPointer>) {
        let fields = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        sawStatusLine = true
        headers = HTTPHeaders()
        httpVersion = fields.first.map { String(Self.text($0).dropFirst("HTTP/".count)) } ?? ""
        status = fields.count > 1 ? Int(Self.text(fields[1])) ?? 0 : 0
    }

    /// The blank line after a response head: deliver it unless libcurl goes on to
    /// another response (an interim 1xx, or a redirect it follows).
    private func endOfHead() {
        guard sawStatusLine else { return }
        if (100..<200).contains(status) { return }
        let followed = request.maxRedirects > 0 && (300..<400).contains(status) && status != 304
            && headers.contains("Location")
        if followed { return }
        deliverHead()
    }

    private func deliverHead() {
        headDelivered = true
        var effectiveURL: UnsafeMutablePointer<CChar>?
        var url = request.url
        if sift_curl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &effectiveURL) == CURLE_OK, let effectiveURL {
            url = String(cString: effectiveURL)
        }
        var connects = 0
        sift_curl_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        transfer.headArrived(
            ResponseHead(status: status, headers: headers, url: url, httpVersion: httpVersion, newConnections: connects))
    }

    fileprivate func body(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = clock.now
        if !headDelivered {
            // A 3xx we expected libcurl to follow turned out final after all.
            guard sawStatusLine else { return 0 }
            deliverHead()
        }
        if let max = request.maxBodyBytes, bodyBytes + bytes.count > max {
            bodyError = HTTPClientError(
                .bodyTooLarge, "the body from \(request.host) is larger than the \(max)-byte limit (maxBodyBytes)")
            return 0
        }
        switch transfer.bodyArrived(bytes) {
        case .accepted(let flush):
            bodyBytes += bytes.count
            if flush { needsFlush = true }
            return bytes.count
        case .pause:
            isPaused = true
            return sift_curl_writefunc_pause()
        case .abort:
            return 0
        }
    }

    // MARK: the wait for a connection

    /// The transfer stopped waiting for a connection (first call only): reports the wait.
    fileprivate func leftQueue() {
        guard leftQueueAt == nil else { return }
        let now = clock.now
        leftQueueAt = now
        if let observer = settings.observer, let addedAt {
            observer.connectionWait(pool: settings.name, waited: addedAt.duration(to: now))
        }
    }

    /// When a transfer still waiting for a connection must give up: its total timeout after
    /// it was added. nil once it has left the wait.
    var queueDeadline: ContinuousClock.Instant? {
        guard leftQueueAt == nil, let addedAt else { return nil }
        return addedAt.advanced(by: .milliseconds(Int64(request.totalTimeoutMilliseconds)))
    }

    /// The error for a transfer that never left the wait for a connection; reports it.
    func queuedTooLong(now: ContinuousClock.Instant) -> HTTPClientError {
        let waited = addedAt.map { milliseconds($0.duration(to: now)) } ?? 0
        if let observer = settings.observer {
            if let addedAt { observer.connectionWait(pool: settings.name, waited: addedAt.duration(to: now)) }
            observer.queuedTooLong(pool: settings.name)
        }
        let perHost = settings.maxConnectionsPerHost == 0 ? "no per-host limit" : "at most \(settings.maxConnectionsPerHost) per host"
        let total = settings.maxTotalConnections == 0 ? "" : ", \(settings.maxTotalConnections) in all"
        return HTTPClientError(
            .queuedTooLong,
            "waited \(waited) ms for a connection to \(request.host) and gave up at the \(request.totalTimeoutMilliseconds) ms "
                + "total timeout: the \(settings.name) pool's connections (\(perHost)\(total)) were all busy")
    }

    fileprivate func prerequest(primaryIP: UnsafeMutablePointer<CChar>?) -> Int32 {
        leftQueue()
        lastActivity = clock.now
        guard request.guardsPrivateAddresses, let primaryIP else { return Int32(sift_curl_prereqfunc_ok()) }
        // A reused connection never passes the opensocket callback: check its peer here.
        guard let address = IPAddress(String(cString: primaryIP)) else {
            return Int32(sift_curl_prereqfunc_ok())
        }
        return admits(address) ? Int32(sift_curl_prereqfunc_ok()) : Int32(sift_curl_prereqfunc_abort())
    }

    fileprivate func openSocket(_ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>) -> curl_socket_t {
        leftQueue()
        guard request.guardsPrivateAddresses else { return sift_curl_open_socket(address) }
        var raw = [UInt8](repeating: 0, count: 16)
        let family = raw.withUnsafeMutableBufferPointer { sift_curl_sockaddr_bytes(address, $0.baseAddress) }
        let parsed: IPAddress? =
            switch family {
            case 4: IPAddress(bytes: Array(raw[0..<4]))
            case 6: IPAddress(bytes: raw)
            default: nil
            }
        guard let parsed else {
            blocked = HTTPClientError(.blockedAddress, "refused a connection for \(currentHost) to a non-IP address family \(address.pointee.family)")
            return sift_curl_socket_bad()
        }
        guard admits(parsed) else { return sift_curl_socket_bad() }
        return sift_curl_open_socket(address)
    }

    /// The guard's decision for `address`; a refusal is recorded for the error.
    private func admits(_ address: IPAddress) -> Bool {
        let host = currentHost
        switch policy.verdict(host: host, address: address) {
        case .allowed:
            return true
        case .blocked(let addressClass):
            if blocked == nil {
                blocked = HTTPClientError(
                    .blockedAddress,
                    "refused to connect to \(address) (\(addressClass)) for host \(host): private, local and metadata "
                        + "addresses are blocked; add the host or its network to SIFT_FETCH_ALLOW_HOSTS to allow it")
            }
            return false
        }
    }

    /// The host of the URL libcurl is working on now (after any redirect).
    private var currentHost: String {
        var effectiveURL: UnsafeMutablePointer<CChar>?
        guard sift_curl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &effectiveURL) == CURLE_OK, let effectiveURL,
            let parts = URLParts(String(cString: effectiveURL))
        else { return request.host }
        return parts.host
    }

    // MARK: outcome

    /// The transfer's result once libcurl reports it done.
    func outcome(_ code: CURLcode) -> HTTPClientError? {
        if code == CURLE_OK {
            if !headDelivered, sawStatusLine { deliverHead() }
            return headDelivered ? nil : HTTPClientError(.transport, "\(request.host) sent no HTTP response")
        }
        if leftQueueAt == nil, code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_RESOLVE_HOST {
            // libcurl failed it on leaving the wait with no time left (it words that as a
            // resolve timeout): it never resolved, connected or sent anything.
            var error = queuedTooLong(now: clock.now)
            error.curlCode = Int(code.rawValue)
            return error
        }
        let curlCode = Int(code.rawValue)
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let host = request.host
        func error(_ kind: HTTPClientError.Kind, _ message: String) -> HTTPClientError {
            HTTPClientError(kind, "\(message): \(detail)", curlCode: curlCode)
        }
        if let blocked, code == CURLE_COULDNT_CONNECT || code == CURLE_ABORTED_BY_CALLBACK {
            var error = blocked
            error.curlCode = curlCode
            return error
        }
        if let bodyError, code == CURLE_WRITE_ERROR {
            var error = bodyError
            error.curlCode = curlCode
            return error
        }
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return error(.invalidURL, "cannot fetch \(request.url) or a URL it redirected to")
        case CURLE_COULDNT_RESOLVE_HOST:
            return error(.resolveFailed, "could not resolve \(currentHost)")
        case CURLE_COULDNT_CONNECT:
            return error(.connectFailed, "could not connect to \(currentHost)")
        case CURLE_OPERATION_TIMEDOUT:
            // No prereq callback yet: the request never went onto a connection. Within the
            // total timeout, that is the connect timeout.
            let elapsed = addedAt.map { ContinuousClock.now - $0 } ?? .zero
            if lastActivity == nil, milliseconds(elapsed) < request.totalTimeoutMilliseconds {
                var timeout = error(
                    .timedOut,
                    "could not connect to \(currentHost) within \(request.connectTimeoutMilliseconds) ms (connect timeout)")
                timeout.isConnectTimeout = true
                return timeout
            }
            return error(
                .timedOut,
                "request to \(host) timed out (connect timeout \(request.connectTimeoutMilliseconds) ms, "
                    + "total timeout \(request.totalTimeoutMilliseconds) ms)")
        case CURLE_TOO_MANY_REDIRECTS:
            return error(.tooManyRedirects, "\(host) redirected more than \(request.maxRedirects) times (maxRedirects)")
        case CURLE_FILESIZE_EXCEEDED:
            return error(.bodyTooLarge, "the body from \(host) is larger than the \(request.maxBodyBytes ?? 0)-byte limit (maxBodyBytes)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
            CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_INITFAILED, CURLE_USE_SSL_FAILED:
            return error(.tls, "TLS with \(currentHost) failed")
        case CURLE_ABORTED_BY_CALLBACK:
            return error(.cancelled, "the request to \(host) was aborted")
        default:
            return error(.transport, "the request to \(host) failed")
        }
    }

    /// Header bytes as text: UTF-8 when valid, else ISO-8859-1 (what HTTP allows in values).
    private static func text(_ bytes: some Collection<UInt8>) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

// libcurl's C callbacks: each finds its EasyTransfer through the context pointer.

private let writeCallback: curl_write_callback = { buffer, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.body(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

private let headerCallback: curl_write_callback = { buffer, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue()
    transfer.headerLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
    return size * count
}

private let prereqCallback: curl_prereq_callback = { context, primaryIP, _, _, _ in
    guard let context else { return Int32(sift_curl_prereqfunc_abort()) }
    return Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue().prerequest(primaryIP: primaryIP)
}

private let resolverStartCallback: sift_curl_resolver_start_callback = { _, _, context in
    guard let context else { return 0 }
    Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue().leftQueue()
    return 0
}

private let openSocketCallback: curl_opensocket_callback = { context, purpose, address in
    guard let context, let address else { return sift_curl_socket_bad() }
    return Unmanaged<EasyTransfer>.fromOpaque(context).takeUnretainedValue().openSocket(purpose, address)
}
