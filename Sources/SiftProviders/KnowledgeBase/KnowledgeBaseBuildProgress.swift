/// How far a knowledge-base build has come; siftd prints it on the terminal.
public struct KnowledgeBaseBuildProgress: Sendable, Equatable, CustomStringConvertible {
    /// The stage of the build.
    public enum Phase: String, Sendable, Equatable {
        /// Listing and fingerprinting the sources' files.
        case scanning
        /// Reading sources and writing the index.
        case indexing
        /// Merging the full-text index and writing the manifest.
        case optimizing
        /// Done; the new index is in place.
        case finished
    }

    /// The stage of the build.
    public var phase: Phase
    /// The collection this report is about ("WordNet"), when one.
    public var source: String?
    /// Documents of ``source`` indexed so far.
    public var documentsRead: Int
    /// Documents ``source`` has in all, when known (dictionaries: an estimate).
    public var documentsTotal: Int?
    /// Documents indexed so far, all sources together.
    public var overallDocuments: Int
    /// Estimated fraction of the whole build done, 0...1.
    public var fraction: Double
    /// Documents indexed a second, over the whole build.
    public var rate: Double
    /// Time since the build started.
    public var elapsed: Duration
    /// Estimated time left, when it can be estimated.
    public var eta: Duration?

    /// A progress report.
    public init(
        phase: Phase, source: String?, documentsRead: Int, documentsTotal: Int?, overallDocuments: Int,
        fraction: Double, rate: Double, elapsed: Duration, eta: Duration?
    ) {
        self.phase = phase
        self.source = source
        self.documentsRead = documentsRead
        self.documentsTotal = documentsTotal
        self.overallDocuments = overallDocuments
        self.fraction = fraction
        self.rate = rate
        self.elapsed = elapsed
        self.eta = eta
    }

    /// One line for a terminal: "indexing WordNet 12000/80000 docs, 45%, 9500 docs/s, ETA 21 s".
    public var description: String {
        var line = phase.rawValue
        if let source {
            line += " \(source) \(documentsRead)"
            if let documentsTotal { line += "/\(documentsTotal)" }
            line += " docs"
        }
        line += ", \(Int((fraction * 100).rounded()))%, \(Int(rate.rounded())) docs/s"
        if let eta { line += ", ETA \(eta.components.seconds) s" }
        return line
    }
}

/// The outcome of ``KnowledgeBaseIndexer/build(force:progress:)``.
public struct KnowledgeBaseBuildReport: Sendable, Equatable {
    /// What happened to one source.
    public struct SourceReport: Sendable, Equatable {
        /// Whether the source made it into the index.
        public enum Status: String, Sendable, Equatable {
            /// Read and indexed (some files may have been skipped: see ``message``).
            case indexed
            /// Not installed or not found; skipped.
            case missing
            /// Present but could not be read; skipped.
            case failed
        }

        public var collection: String
        public var location: String
        public var status: Status
        /// Why it is missing or failed, or which files were skipped.
        public var message: String?
        public var documents: Int
        public var passages: Int

        /// A report for one source.
        public init(
            collection: String, location: String, status: Status, message: String?, documents: Int, passages: Int
        ) {
            self.collection = collection
            self.location = location
            self.status = status
            self.message = message
            self.documents = documents
            self.passages = passages
        }
    }

    /// Whether a new index was written (`false`: the existing one was up to date).
    public var rebuilt: Bool
    /// Why it was (or was not) rebuilt.
    public var reason: String
    /// Per-source outcome, in source order.
    public var sources: [SourceReport]
    /// Documents in the index.
    public var documents: Int
    /// Passages in the index.
    public var passages: Int
    /// Time the call took.
    public var duration: Duration
    /// Size of the index file in bytes.
    public var indexBytes: Int64
    /// Path of the index file.
    public var path: String

    /// A build report.
    public init(
        rebuilt: Bool, reason: String, sources: [SourceReport], documents: Int, passages: Int, duration: Duration,
        indexBytes: Int64, path: String
    ) {
        self.rebuilt = rebuilt
        self.reason = reason
        self.sources = sources
        self.documents = documents
        self.passages = passages
        self.duration = duration
        self.indexBytes = indexBytes
        self.path = path
    }
}
