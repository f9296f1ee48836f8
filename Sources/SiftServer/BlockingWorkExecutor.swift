import NIOPosix
import SiftCore

/// A task executor over NIO's thread pool, for work that blocks a thread (SQLite reads and
/// writes: the knowledge-base index, the response cache). Code run under it with
/// `withTaskExecutorPreference` keeps the cooperative pool's few threads (one per core)
/// free while it waits on the disk; its async suspensions (a libcurl transfer) still
/// free the pool thread.
public final class BlockingWorkExecutor: TaskExecutor {
    private let pool: NIOThreadPool

    /// An executor over `pool` (NIO's shared pool by default; its threads are started by NIO).
    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}

/// A search provider whose searches run on a ``BlockingWorkExecutor``.
public struct OffloadedSearchProvider: SearchProvider {
    public let inner: any SearchProvider
    let executor: BlockingWorkExecutor

    public init(_ inner: any SearchProvider, executor: BlockingWorkExecutor) {
        self.inner = inner
        self.executor = executor
    }

    public var name: String { inner.name }
    public var isRemote: Bool { inner.isRemote }

    public func search(_ query: AnalyzedQuery, limit: Int) async throws -> SearchResults {
        try await withTaskExecutorPreference(executor) { try await inner.search(query, limit: limit) }
    }
}

/// A page fetcher whose fetches (their cache reads and writes) run on a ``BlockingWorkExecutor``.
public struct OffloadedPageFetcher: PageFetcher {
    public let inner: any PageFetcher
    let executor: BlockingWorkExecutor

    public init(_ inner: any PageFetcher, executor: BlockingWorkExecutor) {
        self.inner = inner
        self.executor = executor
    }

    public func canFetch(_ url: String) -> Bool { inner.canFetch(url) }

    public func fetch(_ url: String) async throws -> FetchedPage {
        try await withTaskExecutorPreference(executor) { try await inner.fetch(url) }
    }
}
