/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): merges ranked lists from
/// several providers into one ranking, without looking at their incomparable scores.
///
/// A key at rank r (1-based) of a list earns 1 / (k + r) from it; its fused score is the
/// sum over the lists that have it. A key listed twice by one provider counts once, at its
/// better rank. The result is sorted by score, then by best single rank, then by the order
/// in which keys first appear when the lists are read one after another, so equal inputs
/// always give the same order. Each key's contributions are added smallest rank first, so
/// two keys with the same ranks from different providers get exactly the same score.
public struct ReciprocalRankFusion: Sendable {
    /// One provider's ranked keys, best first.
    public struct RankedList: Sendable, Equatable {
        /// The provider's name.
        public var provider: String
        /// Its keys, best first (for web results, ``URLNormalizer/fusionKey(_:)`` of each URL).
        public var keys: [String]

        /// The list of `keys` from `provider`.
        public init(provider: String, keys: [String]) {
            self.provider = provider
            self.keys = keys
        }
    }

    /// One provider's contribution to a fused key.
    public struct Contribution: Sendable, Equatable {
        /// The provider's name.
        public var provider: String
        /// The key's rank in that provider's list, 1-based.
        public var rank: Int

        /// The contribution of a key at `rank` in `provider`'s list.
        public init(provider: String, rank: Int) {
            self.provider = provider
            self.rank = rank
        }
    }

    /// A key of the fused ranking.
    public struct Fused: Sendable, Equatable {
        /// The key.
        public var key: String
        /// The sum of 1 / (k + rank) over the lists that have the key.
        public var score: Double
        /// The lists that have the key, in the order the lists were given.
        public var contributions: [Contribution]

        /// A fused key; see the properties.
        public init(key: String, score: Double, contributions: [Contribution]) {
            self.key = key
            self.score = score
            self.contributions = contributions
        }

        /// The providers that had the key, in the order the lists were given.
        public var providers: [String] { contributions.map(\.provider) }

        /// The key's best rank in any list.
        public var bestRank: Int { contributions.map(\.rank).min() ?? Int.max }
    }

    /// The constant k that damps the weight of the top ranks (60 in the paper).
    public var k: Double

    /// A fusion with constant `k`; values below 0 are taken as 0.
    public init(k: Double = 60) {
        self.k = max(0, k)
    }

    /// Fuses `lists`, best first.
    public func fuse(_ lists: [RankedList]) -> [Fused] {
        var order: [String: Int] = [:]
        var entries: [(key: String, contributions: [Contribution])] = []
        for list in lists {
            var seenInList: Set<String> = []
            for (offset, key) in list.keys.enumerated() where seenInList.insert(key).inserted {
                let contribution = Contribution(provider: list.provider, rank: offset + 1)
                if let position = order[key] {
                    entries[position].contributions.append(contribution)
                } else {
                    order[key] = entries.count
                    entries.append((key, [contribution]))
                }
            }
        }
        var fused: [(result: Fused, bestRank: Int, firstSeen: Int)] = []
        fused.reserveCapacity(entries.count)
        for (firstSeen, entry) in entries.enumerated() {
            let ranks = entry.contributions.map(\.rank).sorted()
            var score = 0.0
            for rank in ranks { score += 1 / (k + Double(rank)) }
            fused.append((Fused(key: entry.key, score: score, contributions: entry.contributions), ranks[0], firstSeen))
        }
        fused.sort { a, b in
            if a.result.score != b.result.score { return a.result.score > b.result.score }
            if a.bestRank != b.bestRank { return a.bestRank < b.bestRank }
            return a.firstSeen < b.firstSeen
        }
        return fused.map(\.result)
    }
}
