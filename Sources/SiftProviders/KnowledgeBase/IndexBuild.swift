import Dispatch
import Logging

/// One run of a build: parsing threads feeding one writer thread through a ``BuildChannel``.
final class IndexBuild: Sendable {
    let path: String
    let plans: [SourcePlan]
    let manifest: String
    let threads: Int
    let start: ContinuousClock.Instant
    let flag: CancellationFlag
    let logger: Logger
    let progress: @Sendable (KnowledgeBaseBuildProgress) -> Void

    init(
        path: String, plans: [SourcePlan], manifest: String, threads: Int, start: ContinuousClock.Instant,
        flag: CancellationFlag, logger: Logger, progress: @escaping @Sendable (KnowledgeBaseBuildProgress) -> Void
    ) {
        self.path = path
        self.plans = plans
        self.manifest = manifest
        self.threads = threads
        self.start = start
        self.flag = flag
        self.logger = logger
        self.progress = progress
    }

    /// Starts the threads; `completion` is called once, from the writer thread.
    func start(completion: @escaping @Sendable (Result<KnowledgeBaseBuildReport, KnowledgeBaseError>) -> Void) {
        var jobs: [ImportJob] = []
        for (index, plan) in plans.enumerated() {
            jobs += plan.source.jobs(plan: plan, sourceIndex: index)
        }
        let jobCounts = plans.indices.map { index in jobs.filter { $0.source == index }.count }
        let queue = JobQueue(jobs)
        let channel = BuildChannel(capacity: 32, producers: threads)
        for _ in 0..<threads {
            DispatchQueue.global().async { [self] in
                parse(queue: queue, channel: channel)
            }
        }
        let writerQueue = DispatchQueue(label: "sift.kb.writer")
        writerQueue.async { [self] in
            completion(write(channel: channel, jobCounts: jobCounts))
        }
    }

    // MARK: Parsing threads

    private func parse(queue: JobQueue, channel: BuildChannel) {
        defer { channel.finish() }
        while let job = queue.next() {
            if flag.isCancelled {
                channel.send(.jobDone(source: job.source, skipped: 0, problem: nil, failure: "cancelled"))
                continue
            }
            let plan = plans[job.source]
            var batch: [KnowledgeBaseDocument] = []
            batch.reserveCapacity(128)
            do {
                let outcome = try plan.source.run(
                    job, plan: plan, isCancelled: { flag.isCancelled },
                    total: { channel.send(.total(source: job.source, documents: $0)) },
                    emit: { document in
                        batch.append(document)
                        if batch.count >= 128 {
                            channel.send(.documents(source: job.source, batch))
                            batch.removeAll(keepingCapacity: true)
                        }
                    })
                if !batch.isEmpty { channel.send(.documents(source: job.source, batch)) }
                channel.send(
                    .jobDone(source: job.source, skipped: outcome.skipped, problem: outcome.firstProblem, failure: nil))
            } catch {
                if !batch.isEmpty { channel.send(.documents(source: job.source, batch)) }
                channel.send(.jobDone(source: job.source, skipped: 0, problem: nil, failure: error.message))
            }
        }
    }

    // MARK: Writer thread

    private struct SourceState {
        var documents = 0
        var passages = 0
        var total: Int?
        var jobsLeft: Int
        var jobsTotal: Int
        var skipped = 0
        var problem: String?
        var failure: String?
    }

    private func write(
        channel: BuildChannel, jobCounts: [Int]
    ) -> Result<KnowledgeBaseBuildReport, KnowledgeBaseError> {
        let temporary = "\(path).tmp-\(FileSystem.processID)"
        FileSystem.remove(temporary)
        var states = jobCounts.map { SourceState(jobsLeft: $0, jobsTotal: $0) }
        var failure: KnowledgeBaseError?
        var writer: IndexWriter?
        do {
            writer = try IndexWriter(path: temporary)
        } catch {
            failure = .sqlite(error)
        }

        let clock = ContinuousClock()
        var lastReport = clock.now
        var overall = 0
        var lastSource: Int?
        while let message = channel.receive() {
            // After a failure keep draining so that the parsing threads can finish.
            guard failure == nil, !flag.isCancelled, let writer else {
                if failure == nil, flag.isCancelled { failure = .cancelled }
                flag.cancel()
                continue
            }
            switch message {
            case .total(let source, let documents):
                states[source].total = documents
            case .documents(let source, let documents):
                do {
                    for document in documents {
                        states[source].passages += try writer.insert(document)
                    }
                } catch {
                    failure = .sqlite(error)
                    flag.cancel()
                }
                states[source].documents += documents.count
                overall += documents.count
                lastSource = source
            case .jobDone(let source, let skipped, let problem, let jobFailure):
                states[source].jobsLeft -= 1
                states[source].skipped += skipped
                if states[source].problem == nil { states[source].problem = problem }
                if let jobFailure, states[source].failure == nil { states[source].failure = jobFailure }
                if states[source].jobsLeft == 0 {
                    finishedSource(source, states[source])
                }
                lastSource = source
            }
            let now = clock.now
            if now - lastReport >= .milliseconds(250) {
                lastReport = now
                report(.indexing, states: states, source: lastSource, overall: overall)
            }
        }

        if failure == nil, flag.isCancelled { failure = .cancelled }
        guard failure == nil, let writer else {
            writer?.close()
            FileSystem.remove(temporary)
            return .failure(failure ?? .cancelled)
        }

        report(.optimizing, states: states, source: nil, overall: overall)
        let sourceReports = plans.enumerated().map { index, plan in
            sourceReport(plan, states[index])
        }
        do {
            try writer.finish(manifest: manifest, sources: sourceReports)
        } catch {
            writer.close()
            FileSystem.remove(temporary)
            return .failure(.sqlite(error))
        }
        writer.close()
        FileSystem.sync(temporary)
        do {
            try FileSystem.replace(path, with: temporary)
        } catch {
            FileSystem.remove(temporary)
            return .failure(error)
        }
        report(.finished, states: states, source: nil, overall: overall)
        return .success(
            KnowledgeBaseBuildReport(
                rebuilt: true, reason: "", sources: sourceReports, documents: sourceReports.reduce(0) { $0 + $1.documents },
                passages: sourceReports.reduce(0) { $0 + $1.passages }, duration: ContinuousClock.now - start,
                indexBytes: FileSystem.info(path)?.size ?? 0, path: path))
    }

    private func finishedSource(_ index: Int, _ state: SourceState) {
        let collection = plans[index].source.collection
        if let failure = state.failure {
            logger.warning(
                "knowledge-base source failed", metadata: ["collection": "\(collection)", "error": "\(failure)"])
        } else if state.skipped > 0 {
            logger.notice(
                "knowledge-base files skipped",
                metadata: [
                    "collection": "\(collection)", "skipped": "\(state.skipped)",
                    "first": "\(state.problem ?? "no text")",
                ])
        }
        logger.debug(
            "knowledge-base source indexed",
            metadata: [
                "collection": "\(collection)", "documents": "\(state.documents)", "passages": "\(state.passages)",
            ])
    }

    private func sourceReport(_ plan: SourcePlan, _ state: SourceState) -> KnowledgeBaseBuildReport.SourceReport {
        let status: KnowledgeBaseBuildReport.SourceReport.Status
        var message: String?
        if let problem = plan.problem {
            status = .missing
            message = problem
        } else if let failure = state.failure, state.documents == 0 {
            status = .failed
            message = failure
        } else {
            status = .indexed
            if let failure = state.failure {
                message = failure
            } else if state.skipped > 0 {
                message = "\(state.skipped) files had no text or could not be read"
                    + (state.problem.map { " (first: \($0))" } ?? "")
            }
        }
        return .init(
            collection: plan.source.collection, location: plan.source.location, status: status, message: message,
            documents: state.documents, passages: state.passages)
    }

    private func report(_ phase: KnowledgeBaseBuildProgress.Phase, states: [SourceState], source: Int?, overall: Int) {
        let elapsed = ContinuousClock.now - start
        let seconds = max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        var done = 0.0
        var weights = 0.0
        for (index, state) in states.enumerated() where plans[index].problem == nil {
            let weight = plans[index].weight
            weights += weight
            if state.jobsLeft == 0 {
                done += weight
            } else if let total = state.total, total > 0 {
                done += weight * min(1, Double(state.documents) / Double(total))
            } else if state.jobsTotal > 0 {
                done += weight * Double(state.jobsTotal - state.jobsLeft) / Double(state.jobsTotal)
            }
        }
        var fraction = weights > 0 ? done / weights : 1
        if phase == .finished { fraction = 1 }
        var eta: Duration?
        if phase == .indexing, fraction > 0.02 {
            eta = .milliseconds(Int64(seconds * (1 - fraction) / fraction * 1000))
        }
        progress(
            KnowledgeBaseBuildProgress(
                phase: phase, source: source.map { plans[$0].source.collection },
                documentsRead: source.map { states[$0].documents } ?? overall,
                documentsTotal: source.flatMap { index in
                    states[index].jobsLeft == 0 ? states[index].documents : states[index].total
                }, overallDocuments: overall, fraction: fraction, rate: Double(overall) / seconds, elapsed: elapsed,
                eta: eta))
    }
}

/// Writes documents into a fresh index file; confined to the writer thread.
final class IndexWriter {
    private let connection: SQLiteConnection
    private let insertDocument: SQLiteStatement
    private let insertPassage: SQLiteStatement
    private let insertIndex: SQLiteStatement
    private var nextDocument: Int64 = 1
    private var nextPassage: Int64 = 1
    private var urls = Set<String>()

    init(path: String) throws(SQLiteError) {
        connection = try SQLiteConnection(path: path, mode: .readWriteCreate)
        try connection.configureForBulkLoad()
        try connection.execute(KnowledgeBaseSchema.create)
        try connection.execute("BEGIN")
        insertDocument = try connection.prepare(
            """
            INSERT INTO docs(id, collection, title, url, origin, snippet, kind, first_passage, passages)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """)
        insertPassage = try connection.prepare("INSERT INTO passage(id, doc, text) VALUES (?1, ?2, ?3)")
        insertIndex = try connection.prepare(
            "INSERT INTO passages(rowid, title, context, text) VALUES (?1, ?2, ?3, ?4)")
    }

    /// Inserts `document` and its passages; returns the number of passages.
    func insert(_ document: KnowledgeBaseDocument) throws(SQLiteError) -> Int {
        var url = document.url
        if !urls.insert(url).inserted {
            var n = 2
            while !urls.insert("\(document.url)~\(n)").inserted { n += 1 }
            url = "\(document.url)~\(n)"
        }
        let id = nextDocument
        nextDocument += 1
        try insertDocument.bind(id, at: 1)
        try insertDocument.bind(document.collection, at: 2)
        try insertDocument.bind(document.title, at: 3)
        try insertDocument.bind(url, at: 4)
        try insertDocument.bind(document.origin, at: 5)
        try insertDocument.bind(document.snippet, at: 6)
        try insertDocument.bind(document.kind.rawValue, at: 7)
        try insertDocument.bind(nextPassage, at: 8)
        try insertDocument.bind(document.passages.count, at: 9)
        try insertDocument.run()
        for passage in document.passages {
            let passageID = nextPassage
            nextPassage += 1
            try insertPassage.bind(passageID, at: 1)
            try insertPassage.bind(id, at: 2)
            try insertPassage.bind(passage.text, at: 3)
            try insertPassage.run()
            try insertIndex.bind(passageID, at: 1)
            try insertIndex.bind(document.title, at: 2)
            try insertIndex.bind(passage.context, at: 3)
            try insertIndex.bind(passage.text, at: 4)
            try insertIndex.run()
        }
        return document.passages.count
    }

    /// Commits, writes the manifest and per-source report, and merges the FTS index.
    func finish(manifest: String, sources: [KnowledgeBaseBuildReport.SourceReport]) throws(SQLiteError) {
        let meta = try connection.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)")
        for (key, value) in [
            ("schema", String(KnowledgeBaseSchema.version)), ("manifest", manifest),
            ("documents", String(nextDocument - 1)), ("passages", String(nextPassage - 1)),
        ] {
            try meta.bind(key, at: 1)
            try meta.bind(value, at: 2)
            try meta.run()
        }
        let source = try connection.prepare(
            """
            INSERT INTO sources(position, collection, location, status, message, documents, passages)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """)
        for (position, report) in sources.enumerated() {
            try source.bind(position, at: 1)
            try source.bind(report.collection, at: 2)
            try source.bind(report.location, at: 3)
            try source.bind(report.status.rawValue, at: 4)
            try source.bind(report.message, at: 5)
            try source.bind(report.documents, at: 6)
            try source.bind(report.passages, at: 7)
            try source.run()
        }
        try connection.execute(KnowledgeBaseSchema.finish)
        try connection.execute("COMMIT")
        try connection.execute("INSERT INTO passages(passages) VALUES ('optimize')")
        try connection.execute("PRAGMA journal_mode = DELETE")
    }

    func close() {
        connection.close()
    }
}
