/// Merges the hits of several providers into numbered sources as they arrive.
///
/// Sources are numbered in the order they are first seen, so a `source` event can
/// leave as soon as its provider answers and its number never changes. Hits whose
/// URLs share a key (the pipeline's URL normalization: scheme, trailing slash,
/// tracking parameters) are one source that several providers found. Scores come
/// from reciprocal rank fusion: each provider that found a source at 0-based rank
/// `r` adds `1 / (k + r + 1)`; a source's score is its sum over the best sum so far.
///
/// While some providers have not answered, each of them keeps a fair share of the
/// `capacity` (capacity / providers, at least one), so the first provider to answer
/// cannot fill every slot; hits that did not fit wait in an overflow that
/// ``finish()`` admits, in fused order, once every provider has answered.
struct SourceFusion {
    struct Entry {
        var source: Source
        var hit: SearchHit
        /// Extra snippets from the other providers that found it.
        var otherSnippets: [String] = []
        var ranks: [String: Int]
    }

    /// What merging hits changed: sources to announce (new ones, and known ones
    /// that another provider also found), as indexes into ``entries``.
    struct Change {
        var added: [Int] = []
        var updated: [Int] = []
    }

    private(set) var entries: [Entry] = []
    private var indexByKey: [String: Int] = [:]
    private var pending: Set<String>
    private var overflow: [(provider: String, rank: Int, hit: SearchHit)] = []
    private let capacity: Int
    private let share: Int
    private let k: Double
    private let key: @Sendable (String) -> String

    init(providers: [String], capacity: Int, k: Double, key: @escaping @Sendable (String) -> String) {
        self.pending = Set(providers)
        self.capacity = capacity
        self.share = max(1, capacity / max(1, providers.count))
        self.k = k
        self.key = key
    }

    /// Whether every provider has answered (or failed).
    var isComplete: Bool { pending.isEmpty }

    /// Records that `provider` answered with `hits` (best first).
    mutating func merge(_ hits: [SearchHit], from provider: String) -> Change {
        pending.remove(provider)
        var change = Change()
        let reserved = pending.count * share
        var room = max(0, capacity - entries.count - reserved)
        for (rank, hit) in hits.enumerated() {
            if let index = indexByKey[key(hit.url)] {
                if join(index, provider: provider, rank: rank, hit: hit), !change.added.contains(index),
                    !change.updated.contains(index)
                {
                    change.updated.append(index)
                }
            } else if room > 0 {
                change.added.append(add(hit, provider: provider, rank: rank))
                room -= 1
            } else {
                overflow.append((provider, rank, hit))
            }
        }
        rescore()
        return change
    }

    /// Records that `provider` failed: its reserved share is released.
    mutating func fail(_ provider: String) {
        pending.remove(provider)
    }

    /// Admits overflow hits, best fused rank first, into the slots left once every
    /// provider has answered.
    mutating func finish() -> Change {
        var change = Change()
        let waiting = overflow.enumerated().sorted {
            ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset)
        }
        overflow = []
        for (_, item) in waiting {
            if let index = indexByKey[key(item.hit.url)] {
                if join(index, provider: item.provider, rank: item.rank, hit: item.hit),
                    !change.added.contains(index), !change.updated.contains(index)
                {
                    change.updated.append(index)
                }
            } else if entries.count < capacity {
                change.added.append(add(item.hit, provider: item.provider, rank: item.rank))
            }
        }
        rescore()
        return change
    }

    private mutating func add(_ hit: SearchHit, provider: String, rank: Int) -> Int {
        let source = Source(
            n: entries.count + 1, url: hit.url, title: hit.title, snippet: hit.snippet, providers: [provider],
            score: 0, published: hit.published, collection: hit.collection)
        indexByKey[key(hit.url)] = entries.count
        entries.append(Entry(source: source, hit: hit, ranks: [provider: rank]))
        return entries.count - 1
    }

    /// Adds `provider`'s finding to a known source; false when it had it already.
    private mutating func join(_ index: Int, provider: String, rank: Int, hit: SearchHit) -> Bool {
        guard entries[index].ranks[provider] == nil else { return false }
        entries[index].ranks[provider] = rank
        entries[index].source.providers.append(provider)
        if entries[index].source.published == nil { entries[index].source.published = hit.published }
        if !hit.snippet.isEmpty, hit.snippet != entries[index].hit.snippet {
            entries[index].otherSnippets.append(hit.snippet)
        }
        entries[index].otherSnippets.append(contentsOf: hit.passages)
        return true
    }

    private mutating func rescore() {
        let fused = entries.map { entry in entry.ranks.values.reduce(0) { $0 + 1 / (k + Double($1) + 1) } }
        let best = fused.max() ?? 0
        for index in entries.indices {
            let score = best > 0 ? fused[index] / best : 0
            entries[index].source.score = (score * 1000).rounded() / 1000
        }
    }
}
