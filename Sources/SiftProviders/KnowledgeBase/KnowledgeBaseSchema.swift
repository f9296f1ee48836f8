/// The layout of `kb.sqlite`.
///
/// - `docs`: one row per document (collection, title, stable URL, origin, snippet).
/// - `passage`: the text of each passage and its document; a document's passages have
///   consecutive ids from `docs.first_passage`, in reading order.
/// - `passages`: a contentless FTS5 index over (title, context, text) whose rowid is the
///   passage id; `context` holds search-only words (section heading, synonyms,
///   categories). Contentless keeps each text stored once, in `passage`.
/// - `meta`: schema version, manifest of the sources' fingerprints, build facts.
/// - `sources`: what the last build did with each source.
enum KnowledgeBaseSchema {
    /// Bumped whenever the layout or the way text is imported changes; a mismatch rebuilds.
    static let version = 3  // 3: WordNet passages keep their other names as "[syn: …]"; 2: HTML readability rules

    /// File name of the index inside the state directory.
    static let fileName = "kb.sqlite"

    static let create = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE sources(
            position INTEGER PRIMARY KEY, collection TEXT NOT NULL, location TEXT NOT NULL, status TEXT NOT NULL,
            message TEXT, documents INTEGER NOT NULL, passages INTEGER NOT NULL);
        CREATE TABLE docs(
            id INTEGER PRIMARY KEY, collection TEXT NOT NULL, title TEXT NOT NULL, url TEXT NOT NULL, origin TEXT,
            snippet TEXT NOT NULL, kind TEXT NOT NULL, first_passage INTEGER NOT NULL, passages INTEGER NOT NULL);
        CREATE TABLE passage(id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, text TEXT NOT NULL);
        CREATE VIRTUAL TABLE passages USING fts5(
            title, context, text, content='', tokenize='porter unicode61 remove_diacritics 2');
        """

    /// Run after the bulk load: lookups by URL.
    static let finish = """
        CREATE UNIQUE INDEX docs_url ON docs(url);
        """

    /// Column weights for `bm25()`: title, context, text.
    static let bm25Weights = "10.0, 2.0, 1.0"
}
