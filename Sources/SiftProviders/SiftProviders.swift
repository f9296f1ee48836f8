// Search providers: the local knowledge base (SQLite FTS5).
