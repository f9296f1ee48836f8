import SiftCore
import SiftText
import Synchronization

/// The built knowledge-base index, open for searching.
///
/// Opens `kb.sqlite` read-only on a few connections, each behind its own lock; a search
/// takes a free connection (or waits briefly for one), so searches run in parallel up to
/// the number of connections. Safe to share between tasks.
public final class KnowledgeBase: Sendable {
    /// A document that matched, with its best passages.
    public struct Match: Sendable, Equatable {
        public var url: String
        public var title: String
        public var collection: String
        /// Higher is better: the best passage's BM25 (negated) plus small bonuses.
        public var score: Double
        /// Up to five passages: the best matching first; for the dictionary entry or summary
        /// the query asks about (its title is the focus), its first passages in order.
        public var passages: [String]
        /// A short excerpt to show: the first of ``passages``, cut to about 300 characters.
        public var snippet: String
        /// The passages to read in document order instead, when the document is the entry
        /// asked about (its first passage id and count).
        var opening: (first: Int64, count: Int)?
        /// For a page whose title names the focus ("What is RCU?" for "what is RCU"), its first
        /// passages, which usually say what the subject is.
        var introduction: (first: Int64, count: Int)?

        public static func == (lhs: Match, rhs: Match) -> Bool {
            lhs.url == rhs.url && lhs.title == rhs.title && lhs.collection == rhs.collection && lhs.score == rhs.score
                && lhs.passages == rhs.passages && lhs.snippet == rhs.snippet
        }
    }

    /// Counts for readiness checks and the status line.
    public struct Statistics: Sendable, Equatable {
        public var documents: Int
        public var passages: Int
        /// Documents per collection, in build order.
        public var collections: [(name: String, documents: Int)]
        public var indexBytes: Int64

        public static func == (lhs: Statistics, rhs: Statistics) -> Bool {
            lhs.documents == rhs.documents && lhs.passages == rhs.passages && lhs.indexBytes == rhs.indexBytes
                && lhs.collections.map(\.name) == rhs.collections.map(\.name)
                && lhs.collections.map(\.documents) == rhs.collections.map(\.documents)
        }
    }

    /// Path of the index file.
    public let path: String
    /// Counts taken when the index was opened.
    public let statistics: Statistics
    private let connections: [ReaderConnection]
    private let next = Atomic<Int>(0)
    /// Passages per term (capped), remembered across searches.
    private let frequencies = Mutex<[String: Int]>([:])
    private let open = Atomic<Bool>(true)

    /// Documents in the index.
    public var documentCount: Int { statistics.documents }

    /// Whether the index is open (``close()`` not called).
    public var isOpen: Bool { open.load(ordering: .relaxed) }

    /// Opens the index at `path` with `connections` read-only connections.
    public init(path: String, connections: Int = 2) throws(KnowledgeBaseError) {
        guard FileSystem.exists(path) else { throw .notBuilt(path) }
        self.path = path
        var readers: [ReaderConnection] = []
        do {
            for _ in 0..<max(1, connections) {
                readers.append(try ReaderConnection(path: path))
            }
            let connection = try SQLiteConnection(path: path, mode: .readOnly)
            let schema = try connection.scalarText("SELECT value FROM meta WHERE key = 'schema'")
            guard schema == String(KnowledgeBaseSchema.version) else {
                throw KnowledgeBaseError.schemaMismatch(found: schema ?? "none", expected: KnowledgeBaseSchema.version)
            }
            let documents = try connection.scalarText("SELECT value FROM meta WHERE key = 'documents'")
            let passages = try connection.scalarText("SELECT value FROM meta WHERE key = 'passages'")
            let statement = try connection.prepare(
                "SELECT collection, documents FROM sources WHERE status = 'indexed' ORDER BY position")
            var collections: [(String, Int)] = []
            while try statement.step() { collections.append((statement.text(0), statement.int(1))) }
            statistics = Statistics(
                documents: Int(documents ?? "") ?? 0, passages: Int(passages ?? "") ?? 0, collections: collections,
                indexBytes: FileSystem.info(path)?.size ?? 0)
        } catch let error as KnowledgeBaseError {
            throw error
        } catch let error as SQLiteError {
            throw .sqlite(error)
        } catch {
            throw .io("\(error)")
        }
        self.connections = readers
    }

    /// Opens `<stateDirectory>/kb.sqlite`.
    public convenience init(stateDirectory: String, connections: Int = 2) throws(KnowledgeBaseError) {
        try self.init(path: stateDirectory + "/" + KnowledgeBaseSchema.fileName, connections: connections)
    }

    /// Closes the connections; later searches throw.
    public func close() {
        open.store(false, ordering: .relaxed)
        for reader in connections { reader.close() }
    }

    /// Searches for documents matching any of `terms` (and the phrase `focus`), best first.
    ///
    /// Terms are quoted, so any user text is safe. A document's score is its best
    /// passage's BM25 (title weighted ×10, context ×2, text ×1), raised when the title
    /// is the focus or the only term (a dictionary headword asked about).
    public func search(terms: [String], focus: String? = nil, limit: Int = 10) throws(KnowledgeBaseError) -> [Match] {
        guard isOpen else { throw .io("the knowledge base is closed") }
        let words = FTSQuery.usableTerms(terms)
        guard !words.isEmpty, limit > 0 else { return [] }
        let rows = try withConnection { reader throws(SQLiteError) -> [ReaderConnection.Row] in
            var counts: [Int] = []
            for word in words {
                counts.append(try frequency(of: word, reader: reader))
            }
            guard let expressions = FTSQuery.expressions(terms: words, frequencies: counts, focus: focus) else {
                return []
            }
            // Passages holding every rare term first; when they come from too few documents,
            // passages holding any of them.
            let wanted = max(40, limit * 6)
            if let strict = expressions.strict {
                let rows = try reader.search(strict, limit: wanted)
                if Set(rows.map(\.document)).count >= limit { return rows }
            }
            return try reader.search(expressions.broad, limit: wanted)
        }
        return try reading(Self.group(rows, terms: words, focus: focus, limit: limit), terms: words)
    }

    /// `matches` with the passages to read: an entry asked about from its first sense, a page
    /// about the focus with its introduction.
    private func reading(_ matches: [Match], terms words: [String]) throws(KnowledgeBaseError) -> [Match] {
        var matches = matches
        // The entry asked about ("bank" for "what is a bank") reads from its first sense.
        for index in matches.indices {
            guard let opening = matches[index].opening else { continue }
            let texts = try withConnection { reader throws(SQLiteError) in
                try reader.passages(from: opening.first, count: min(opening.count, 5))
            }
            if !texts.isEmpty {
                matches[index].passages = texts.indices.map { i in
                    Self.unlabelingContinuation(
                        texts[i], previousStart: i == 0 ? "" : texts[i - 1], url: matches[index].url)
                }
                matches[index].snippet = KnowledgeBaseDocument.shorten(texts[0], to: 300)
            }
        }
        // A page about the focus: its introduction joins the passages that matched best.
        for index in matches.indices {
            guard let introduction = matches[index].introduction else { continue }
            let texts = try withConnection { reader throws(SQLiteError) in
                try reader.passages(from: introduction.first, count: min(introduction.count, 3))
            }
            let found = matches[index].passages
            let wanted = texts.filter { text in
                !found.contains(text) && PassageSplitter.wordCount(text) >= 12
                    && !Set(FTSQuery.words(text)).isDisjoint(with: words)
            }
            guard !wanted.isEmpty else { continue }
            matches[index].passages = Array((found.prefix(1) + wanted.prefix(2) + found.dropFirst()).prefix(5))
        }
        return matches
    }

    /// Documents matching a MATCH `expression` built by ``FTSQuery`` (never raw user text),
    /// grouped and scored like ``search(terms:focus:limit:)``'s, best first.
    func search(expression: String, terms: [String], focus: String?, limit: Int) throws(KnowledgeBaseError) -> [Match] {
        guard isOpen else { throw .io("the knowledge base is closed") }
        guard limit > 0 else { return [] }
        let rows = try withConnection { reader throws(SQLiteError) -> [ReaderConnection.Row] in
            try reader.search(expression, limit: max(20, limit * 4))
        }
        return try reading(Self.group(rows, terms: terms, focus: focus, limit: limit), terms: terms)
    }

    /// The dictionary entries and encyclopedia summaries titled exactly `subject` (as typed,
    /// lower-cased, capitalized, or in title case), each with its first passages in order.
    ///
    /// An exact lookup by URL: the full-text index matches a title's stems ("carbonate" for
    /// "carbon"), which is not what a question about carbon asks.
    public func entries(titled subject: String, passages: Int = 5) throws(KnowledgeBaseError) -> [Match] {
        guard isOpen else { throw .io("the knowledge base is closed") }
        let words = subject.split(separator: " ").map(String.init)
        guard !words.isEmpty else { return [] }
        let titleCase = words.map { Self.capitalizingFirst($0) }.joined(separator: " ")
        var spellings: [String] = []
        // An abbreviation is filed in capitals ("NICU").
        let capitals = !subject.contains(" ") && subject.count <= 8 ? [subject.uppercased()] : []
        for spelling in [subject, subject.lowercased(), Self.capitalizingFirst(subject.lowercased()), titleCase] + capitals
        where !spellings.contains(spelling) {
            spellings.append(spelling)
        }
        let slugs = [DictionaryFormat.wordNet.rawValue, "wikipedia", DictionaryFormat.gcide.rawValue, DictionaryFormat.foldoc.rawValue]
        return try withConnection { reader throws(SQLiteError) -> [Match] in
            var matches: [Match] = []
            for slug in slugs {
                for spelling in spellings {
                    let url = KnowledgeBaseDocument.uri(slug, spelling)
                    guard let document = try reader.document(url: url) else { continue }
                    let texts = try reader.passages(from: document.first, count: min(document.count, passages))
                    guard let first = texts.first else { continue }
                    matches.append(
                        Match(
                            url: url, title: document.title, collection: document.collection, score: 1, passages: texts,
                            snippet: KnowledgeBaseDocument.shorten(first, to: 300)))
                }
            }
            return matches
        }
    }

    /// The other names of a subject: dictionary entries whose definition is word for word that of
    /// one of the subject's own entries (WordNet files a sense under each of its one-word names, so "Fe" repeats
    /// "iron", "AIDS" repeats "acquired immune deficiency syndrome"), each with its first passages.
    /// `subjectEntries` are the subject's own entries, from ``entries(titled:passages:)``.
    public func synonyms(among subjectEntries: [Match], limit: Int = 8) throws(KnowledgeBaseError) -> [Match] {
        var found: [Match] = []
        var seen = Set<String>()
        for entry in subjectEntries where entry.url.hasPrefix(KnowledgeBaseDocument.uri(DictionaryFormat.wordNet.rawValue, "")) {
            for passage in entry.passages.prefix(3) {
                guard let colon = passage.firstRange(ofText: ": ") else { continue }
                let body = FrameReader.splitSynonyms(String(passage[colon.upperBound...])).body
                let words = FTSQuery.words(String(body)).prefix(10)
                guard words.count >= 3, let phrase = FTSQuery.quoted(words.joined(separator: " ")) else { continue }
                let matches = try search(expression: "{text} : \(phrase)", terms: Array(words), focus: nil, limit: limit)
                for match in matches where match.url != entry.url && !seen.contains(match.url) {
                    let same = match.passages.contains { text in
                        text.firstRange(ofText: ": ").map { FrameReader.splitSynonyms(String(text[$0.upperBound...])).body == body }
                            ?? false
                    }
                    if same {
                        seen.insert(match.url)
                        found.append(match)
                    }
                }
            }
        }
        return found
    }

    static func capitalizingFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// How many passages hold `phrase` (its words in order), counted up to
    /// ``FTSQuery/stopThreshold`` + 1; remembered.
    public func passageCount(of phrase: String) throws(KnowledgeBaseError) -> Int {
        let key = FTSQuery.words(phrase).joined(separator: " ")
        guard FTSQuery.quoted(key) != nil else { return 0 }
        return try withConnection { reader throws(SQLiteError) in try frequency(of: key, reader: reader) }
    }

    /// The passages holding `key` (a word, or words in order), counted up to
    /// ``FTSQuery/stopThreshold`` + 1, from the cache or counted on `reader` and remembered.
    private func frequency(of key: String, reader: ReaderConnection.State) throws(SQLiteError) -> Int {
        if let known = frequencies.withLock({ $0[key] }) { return known }
        let count = try reader.documentFrequency(FTSQuery.quoted(key) ?? "\"\"", cap: FTSQuery.stopThreshold + 1)
        frequencies.withLock { cache in
            if cache.count > 50_000 { cache.removeAll() }
            cache[key] = count
        }
        return count
    }

    private func withConnection<T: Sendable>(
        _ body: (ReaderConnection.State) throws(SQLiteError) -> T
    ) throws(KnowledgeBaseError) -> T {
        let count = connections.count
        let first = next.wrappingAdd(1, ordering: .relaxed).oldValue
        do {
            for offset in 0..<count {
                if let result = try connections[(first + offset) % count].tryUse(body) { return result }
            }
            return try connections[first % count].use(body)
        } catch {
            throw .sqlite(error)
        }
    }

    /// Groups passage rows by document and scores the documents.
    ///
    /// A document scores its best passage, plus 5% of each further matching passage,
    /// times 1.6 when its title is the query's focus or only term (the headword asked
    /// about). Passages come best first, except that an entry's passages scoring within
    /// 80% of its best keep the entry's own order (WordNet lists the commonest sense first).
    static func group(_ rows: [ReaderConnection.Row], terms: [String], focus: String?, limit: Int) -> [Match] {
        var order: [Int64] = []
        var grouped: [Int64: [ReaderConnection.Row]] = [:]
        for row in rows {
            if grouped[row.document] == nil { order.append(row.document) }
            grouped[row.document, default: []].append(row)
        }
        let focusKey = focus.map { normalizedTitle($0) }
        let singleTerm = terms.count == 1 ? terms[0] : nil
        // Every document is scored; only the `limit` best are made into matches (their passages and snippet).
        struct Scored {
            var rows: [ReaderConnection.Row]
            var score: Double
            var title: String
            var asked: Bool
        }
        var scored: [Scored] = []
        for document in order {
            guard let rows = grouped[document], let best = rows.first else { continue }
            var score = -best.bm25
            for row in rows.dropFirst() { score += -row.bm25 * 0.05 }
            let title = normalizedTitle(best.title)
            let asked = (focusKey.map { !$0.isEmpty && title == $0 } ?? false) || title == singleTerm
            if asked { score *= 1.6 }
            scored.append(Scored(rows: rows, score: score, title: title, asked: asked))
        }
        scored.sort { $0.score > $1.score }
        return scored.prefix(limit).map { document in
            let rows = document.rows
            let best = rows[0]
            let bestScore = -best.bm25
            var passages = rows
            if best.isEntry {
                let near = rows.filter { -$0.bm25 >= bestScore * 0.8 }.sorted { $0.passage < $1.passage }
                let rest = rows.filter { -$0.bm25 < bestScore * 0.8 }
                passages = near + rest
            }
            let texts = passages.prefix(5).map { row in
                Self.unlabelingContinuation(row.text, previousStart: row.previousStart, url: row.url)
            }
            return Match(
                url: best.url, title: best.title, collection: best.collection, score: document.score,
                passages: texts,
                snippet: KnowledgeBaseDocument.shorten(texts[0], to: 300),
                opening: document.asked && best.isEntry ? (best.firstPassage, best.passageCount) : nil,
                introduction: !best.isEntry && Self.titleNames(document.title, focusKey)
                    ? (best.firstPassage, best.passageCount) : nil)
        }
    }

    /// URL prefix of FOLDOC entries, whose later paragraphs continue the definition rather than
    /// start a new sense (FOLDOC numbers senses inside a paragraph).
    static let continuingPrefix = KnowledgeBaseDocument.uri(DictionaryFormat.foldoc.rawValue, "")

    /// A FOLDOC paragraph that continues the entry before it ("mutex: If multiple threads ...",
    /// after "mutex: A mutual exclusion object ...") without its "Headword: " label, so that it
    /// reads as the prose it is, not as a definition. A paragraph whose label differs from the
    /// previous one (two entries filed under one headword, "MuTeX" then "mutex") keeps it.
    static func unlabelingContinuation(_ text: String, previousStart: String, url: String) -> String {
        guard url.hasPrefix(continuingPrefix), !previousStart.isEmpty,
            let label = text.firstRange(ofText: ": "), let previousLabel = previousStart.firstRange(ofText: ": "),
            text[..<label.lowerBound] == previousStart[..<previousLabel.lowerBound]
        else { return text }
        return String(text[label.upperBound...])
    }

    /// Whether a normalized title holds the normalized focus as a run of whole words.
    static func titleNames(_ title: String, _ focus: String?) -> Bool {
        guard let focus, !focus.isEmpty else { return false }
        return " \(title) ".contains(text: " \(focus) ")
    }

    /// A title reduced for comparison with a query focus: lowercased words, man-page section dropped.
    static func normalizedTitle(_ title: String) -> String {
        var base = Substring(title)
        if let dash = base.firstTitleDash() { base = base[..<dash.lowerBound] }
        if let paren = base.firstIndex(of: "("), base.hasSuffix(")") { base = base[..<paren] }
        return FTSQuery.words(String(base)).joined(separator: " ")
    }
}

/// One read-only connection and its prepared search statement: a lock-guarded box.
/// `state` is only read or written with `lock` held, which is what makes the
/// unchecked `Sendable` sound.
final class ReaderConnection: @unchecked Sendable {
    /// A matching passage with its document.
    struct Row: Sendable {
        var document: Int64
        /// Passage ids follow document order.
        var passage: Int64
        var isEntry: Bool
        var firstPassage: Int64
        var passageCount: Int
        var bm25: Double
        var text: String
        var title: String
        var url: String
        var collection: String
        /// The first characters of the document's previous passage ("" for its first).
        var previousStart: String = ""
    }

    /// The connection and its statements; only touched under the lock.
    final class State {
        let connection: SQLiteConnection
        let searchStatement: SQLiteStatement
        let countStatement: SQLiteStatement
        let rangeStatement: SQLiteStatement
        let documentStatement: SQLiteStatement

        init(path: String) throws(SQLiteError) {
            connection = try SQLiteConnection(path: path, mode: .readOnly)
            try connection.configureForReading()
            searchStatement = try connection.prepare(
                """
                SELECT passage.doc, hits.score, passage.text, docs.title, docs.url, docs.collection, docs.kind,
                       passage.id, docs.first_passage, docs.passages,
                       (SELECT substr(previous.text, 1, 80) FROM passage AS previous
                        WHERE previous.id = passage.id - 1 AND previous.doc = passage.doc)
                FROM (SELECT rowid AS id, bm25(passages, \(KnowledgeBaseSchema.bm25Weights)) AS score
                      FROM passages WHERE passages MATCH ?1 ORDER BY score LIMIT ?2) AS hits
                JOIN passage ON passage.id = hits.id
                JOIN docs ON docs.id = passage.doc
                ORDER BY hits.score
                """)
            rangeStatement = try connection.prepare(
                "SELECT text FROM passage WHERE id >= ?1 AND id < ?2 ORDER BY id")
            documentStatement = try connection.prepare(
                "SELECT title, collection, first_passage, passages FROM docs WHERE url = ?1")
            countStatement = try connection.prepare(
                "SELECT count(*) FROM (SELECT 1 FROM passages WHERE passages MATCH ?1 LIMIT ?2)")
        }

        /// Passages matching `phrase`, counted up to `cap`.
        func documentFrequency(_ phrase: String, cap: Int) throws(SQLiteError) -> Int {
            let statement = countStatement
            defer { statement.reset() }
            try statement.bind(phrase, at: 1)
            try statement.bind(cap, at: 2)
            return try statement.step() ? statement.int(0) : 0
        }

        /// The document at `url`: its title, collection, first passage id and passage count.
        func document(url: String) throws(SQLiteError) -> (title: String, collection: String, first: Int64, count: Int)? {
            let statement = documentStatement
            defer { statement.reset() }
            try statement.bind(url, at: 1)
            guard try statement.step() else { return nil }
            return (statement.text(0), statement.text(1), statement.int64(2), statement.int(3))
        }

        /// `count` passage texts from id `first` on.
        func passages(from first: Int64, count: Int) throws(SQLiteError) -> [String] {
            let statement = rangeStatement
            defer { statement.reset() }
            try statement.bind(first, at: 1)
            try statement.bind(first + Int64(count), at: 2)
            var texts: [String] = []
            while try statement.step() { texts.append(statement.text(0)) }
            return texts
        }

        func search(_ expression: String, limit: Int) throws(SQLiteError) -> [Row] {
            let statement = searchStatement
            defer { statement.reset() }
            try statement.bind(expression, at: 1)
            try statement.bind(limit, at: 2)
            var rows: [Row] = []
            while try statement.step() {
                rows.append(
                    Row(
                        document: statement.int64(0), passage: statement.int64(7), isEntry: statement.text(6) == "entry",
                        firstPassage: statement.int64(8), passageCount: statement.int(9), bm25: statement.double(1),
                        text: statement.text(2), title: statement.text(3), url: statement.text(4),
                        collection: statement.text(5), previousStart: statement.text(10)))
            }
            return rows
        }
    }

    private let lock = Mutex(())
    /// Guarded by `lock`.
    private nonisolated(unsafe) var state: State?

    init(path: String) throws(SQLiteError) {
        state = try State(path: path)
    }

    /// Runs `body` if the connection is free right now; `nil` when it is busy.
    func tryUse<T: Sendable>(_ body: (State) throws(SQLiteError) -> T) throws(SQLiteError) -> T? {
        let result: Result<T, SQLiteError>? = lock.withLockIfAvailable { _ in run(body) }
        return try result?.get()
    }

    /// Runs `body`, waiting for the connection.
    func use<T: Sendable>(_ body: (State) throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try lock.withLock { _ in run(body) }.get()
    }

    /// Call with `lock` held.
    private func run<T: Sendable>(_ body: (State) throws(SQLiteError) -> T) -> Result<T, SQLiteError> {
        guard let state else { return .failure(SQLiteError(code: 21, message: "the knowledge base is closed")) }
        do throws(SQLiteError) {
            return .success(try body(state))
        } catch {
            return .failure(error)
        }
    }

    func close() {
        lock.withLock { _ in state = nil }
    }
}
