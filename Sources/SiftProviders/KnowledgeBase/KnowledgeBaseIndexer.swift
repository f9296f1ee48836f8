import Dispatch
import Logging
import SiftCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the knowledge-base index `<stateDirectory>/kb.sqlite` from its sources, and
/// rebuilds it only when a source changed (or the schema did).
///
/// Each source's files are fingerprinted (path, size and modification time of every
/// file); the manifest of fingerprints is stored in the index. A build parses sources on
/// several threads, writes on one SQLite connection in one transaction, writes into a
/// temporary file and renames it over the old index, so a crash never leaves a half index.
/// Missing sources are skipped with a warning and reported; they never fail the build.
///
/// The work runs on its own threads, not on the Swift concurrency pool, so a server
/// started next to a build stays responsive.
public struct KnowledgeBaseIndexer: Sendable {
    /// Directory that holds `kb.sqlite` (siftd: `SIFT_STATE_DIR`).
    public let stateDirectory: String
    /// The sources, in the order they are reported.
    public let sources: [KnowledgeBaseSource]
    /// Parsing threads; the writer has one more.
    public let parsingThreads: Int
    let logger: Logger

    /// An indexer for `sources` that keeps its index in `stateDirectory`.
    public init(
        stateDirectory: String, sources: [KnowledgeBaseSource], parsingThreads: Int? = nil, logger: Logger
    ) {
        self.stateDirectory = stateDirectory
        self.sources = sources
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        self.parsingThreads = max(1, parsingThreads ?? min(4, max(1, cores)))
        self.logger = logger
    }

    /// Path of the index file.
    public var path: String { stateDirectory + "/" + KnowledgeBaseSchema.fileName }

    /// Why the index needs building, or `nil` when it is up to date with the sources.
    public func rebuildReason() async -> String? {
        let plans = await Self.onThread { [sources] in sources.map { $0.plan() } }
        return staleness(manifest: Self.manifest(plans))
    }

    /// Builds the index unless it is up to date (or `force`), reporting progress on the way.
    ///
    /// `progress` is called on the build's writer thread, at most about four times a
    /// second and at each phase change; keep it quick. Cancelling the calling task stops
    /// the build, leaving any previous index in place, and throws `CancellationError`.
    /// - Throws: ``KnowledgeBaseError`` when the index cannot be written.
    public func build(
        force: Bool = false, progress: @escaping @Sendable (KnowledgeBaseBuildProgress) -> Void = { _ in }
    ) async throws -> KnowledgeBaseBuildReport {
        let start = ContinuousClock.now
        progress(
            KnowledgeBaseBuildProgress(
                phase: .scanning, source: nil, documentsRead: 0, documentsTotal: nil, overallDocuments: 0, fraction: 0,
                rate: 0, elapsed: .zero, eta: nil))
        let plans = await Self.onThread { [sources] in sources.map { $0.plan() } }
        let manifest = Self.manifest(plans)
        let reason: String
        if force {
            reason = "a rebuild was asked for"
        } else if let stale = staleness(manifest: manifest) {
            reason = stale
        } else {
            var report = try storedReport(reason: "the index is up to date with its sources")
            report.duration = ContinuousClock.now - start
            logger.info("knowledge base up to date", metadata: ["path": "\(path)", "documents": "\(report.documents)"])
            return report
        }
        for plan in plans {
            if let problem = plan.problem {
                logger.warning(
                    "knowledge-base source skipped",
                    metadata: ["collection": "\(plan.source.collection)", "reason": "\(problem)"])
            }
        }
        logger.info("building knowledge base", metadata: ["path": "\(path)", "reason": "\(reason)"])
        try FileSystem.makeDirectories(stateDirectory)

        let flag = CancellationFlag()
        let build = IndexBuild(
            path: path, plans: plans, manifest: manifest, threads: parsingThreads, start: start, flag: flag,
            logger: logger, progress: progress)
        let outcome: Result<KnowledgeBaseBuildReport, KnowledgeBaseError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                build.start { continuation.resume(returning: $0) }
            }
        } onCancel: {
            flag.cancel()
        }
        switch outcome {
        case .success(var report):
            report.reason = reason
            logger.info(
                "knowledge base built",
                metadata: [
                    "documents": "\(report.documents)", "passages": "\(report.passages)",
                    "duration_ms": "\(Int(milliseconds(report.duration)))",
                    "bytes": "\(report.indexBytes)",
                ])
            return report
        case .failure(let error):
            if flag.isCancelled { throw CancellationError() }
            throw error
        }
    }

    /// Why the existing index does not match `manifest`, or `nil` when it does.
    func staleness(manifest: String) -> String? {
        guard FileSystem.exists(path) else { return "there is no index yet" }
        do {
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            let statement = try connection.prepare("SELECT key, value FROM meta WHERE key IN ('schema', 'manifest')")
            var schema: String?
            var stored: String?
            while try statement.step() {
                if statement.text(0) == "schema" { schema = statement.text(1) } else { stored = statement.text(1) }
            }
            guard schema == String(KnowledgeBaseSchema.version) else {
                return "the index schema changed (\(schema ?? "none") → \(KnowledgeBaseSchema.version))"
            }
            guard let stored else { return "the index has no manifest" }
            if stored == manifest { return nil }
            let old = Set(stored.split(separator: "\n"))
            let changed = manifest.split(separator: "\n").filter { !old.contains($0) }.compactMap {
                $0.split(separator: "|").first.map(String.init)
            }
            return changed.isEmpty ? "the list of sources changed" : "sources changed: \(changed.joined(separator: ", "))"
        } catch {
            return "the index cannot be read (\(error.message))"
        }
    }

    /// The report of the build that wrote the current index.
    func storedReport(reason: String) throws(KnowledgeBaseError) -> KnowledgeBaseBuildReport {
        do {
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            let statement = try connection.prepare(
                "SELECT collection, location, status, message, documents, passages FROM sources ORDER BY position")
            var reports: [KnowledgeBaseBuildReport.SourceReport] = []
            while try statement.step() {
                reports.append(
                    .init(
                        collection: statement.text(0), location: statement.text(1),
                        status: .init(rawValue: statement.text(2)) ?? .failed,
                        message: statement.isNull(3) ? nil : statement.text(3), documents: statement.int(4),
                        passages: statement.int(5)))
            }
            return KnowledgeBaseBuildReport(
                rebuilt: false, reason: reason, sources: reports, documents: reports.reduce(0) { $0 + $1.documents },
                passages: reports.reduce(0) { $0 + $1.passages }, duration: .zero,
                indexBytes: FileSystem.info(path)?.size ?? 0, path: path)
        } catch {
            throw .sqlite(error)
        }
    }

    static func manifest(_ plans: [SourcePlan]) -> String {
        plans.map(\.fingerprint).joined(separator: "\n")
    }

    /// Runs `work` on a Dispatch thread, off the Swift concurrency pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
