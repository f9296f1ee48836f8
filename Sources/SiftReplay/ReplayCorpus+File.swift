import FoundationEssentials

// A corpus file (`sift-replay --corpus FILE`) adds entries to a corpus: JSON of the form
//
//     {"entries": [
//       {"match": ["capital", "zembla"],            // or "query": "capital of zembla" (exact)
//        "results": [
//          {"title": "Zembla at a glance", "url": "https://atlas.example/zembla",
//           "site_name": "Atlas", "description": "What the result list shows.",
//           "extra_snippets": ["…"],                 // optional, shown in results and on the page
//           "body": ["Only the page says this."],    // optional, only on the page
//           "published": "2024-05-01"}]}]}          // optional
//
// A `match` entry answers every query that holds all of its words; a `query` entry answers
// that query (normalized: lower case, single spaces), as the built-in entries do.

/// A corpus file could not be read.
public struct ReplayCorpusFileError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the entry when one is at fault.
    public let description: String
}

extension ReplayCorpus {
    struct FileFormat: Decodable {
        struct Result: Decodable {
            var title: String
            var url: String
            var siteName: String?
            var description: String
            var extraSnippets: [String]?
            var body: [String]?
            var published: String?
            var language: String?

            enum CodingKeys: String, CodingKey {
                case title, url, description, body, published, language
                case siteName = "site_name"
                case extraSnippets = "extra_snippets"
            }
        }

        struct Entry: Decodable {
            var query: String?
            var match: [String]?
            var results: [Result]
        }

        var entries: [Entry]
    }

    /// This corpus with the entries of a corpus file's JSON added (file entries replace
    /// built-in ones with the same query).
    public func adding(corpusJSON data: Data) throws -> ReplayCorpus {
        let file: FileFormat
        do {
            file = try JSONDecoder().decode(FileFormat.self, from: data)
        } catch {
            throw ReplayCorpusFileError(description: "not a corpus file: \(error)")
        }
        var corpus = self
        for (index, entry) in file.entries.enumerated() {
            var documents: [ReplayDocument] = []
            for result in entry.results {
                var published: CalendarDay?
                if let iso = result.published {
                    guard let day = CalendarDay(iso: iso) else {
                        throw ReplayCorpusFileError(description: "entry \(index): published \"\(iso)\" is not YYYY-MM-DD")
                    }
                    published = day
                }
                let document = ReplayDocument(
                    title: result.title, url: result.url, siteName: result.siteName ?? "",
                    snippet: result.description, extraSnippets: result.extraSnippets ?? [], published: published,
                    language: result.language ?? "en", body: result.body ?? [])
                guard !document.urlParts.host.isEmpty else {
                    throw ReplayCorpusFileError(description: "entry \(index): \"\(result.url)\" is not an http(s) URL with a host")
                }
                if document.siteName.isEmpty { documents.append(withSiteName(document)) } else { documents.append(document) }
            }
            let corpusEntry = ReplayCorpusEntry(documents: documents)
            switch (entry.query, entry.match) {
            case (let query?, nil):
                corpus.entries[Self.normalize(query)] = corpusEntry
            case (nil, let words?):
                let wordEntry = ReplayWordEntry(words: words, entry: corpusEntry)
                guard !wordEntry.words.isEmpty else {
                    throw ReplayCorpusFileError(description: "entry \(index): match has no words")
                }
                corpus.wordEntries.append(wordEntry)
            default:
                throw ReplayCorpusFileError(description: "entry \(index): give exactly one of query and match")
            }
        }
        return corpus
    }

    /// This corpus with the entries of the corpus file at `path` added.
    public func adding(corpusFile path: String) throws -> ReplayCorpus {
        let data: Data
        do {
            data = try Data(contentsOf: URL(filePath: path))
        } catch {
            throw ReplayCorpusFileError(description: "cannot read \(path): \(error)")
        }
        return try adding(corpusJSON: data)
    }

    private func withSiteName(_ document: ReplayDocument) -> ReplayDocument {
        var named = document
        named.siteName = document.urlParts.host
        return named
    }
}
