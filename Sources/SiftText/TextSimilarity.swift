/// Near-duplicate measures over token sequences.
enum TextSimilarity {
    /// The set of word `size`-shingles (the whole sequence when it is shorter).
    static func shingles(_ tokens: [String], size: Int = 3) -> Set<String> {
        guard tokens.count >= size else { return tokens.isEmpty ? [] : [tokens.joined(separator: " ")] }
        var result = Set<String>()
        result.reserveCapacity(tokens.count - size + 1)
        for start in 0...(tokens.count - size) {
            result.insert(tokens[start..<(start + size)].joined(separator: " "))
        }
        return result
    }

    /// A shingle as the numbers of its words (`count` of them: 3, or fewer for a whole short
    /// sequence), equal exactly when ``shingles(_:size:)`` would give equal strings.
    struct Shingle: Hashable {
        var words: (UInt32, UInt32, UInt32)
        var count: UInt8

        static func == (lhs: Shingle, rhs: Shingle) -> Bool {
            lhs.count == rhs.count && lhs.words == rhs.words
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(count)
        }
    }

    /// Numbers words, so that shingles are compared as numbers rather than joined strings.
    struct Vocabulary {
        private var numbers: [String: UInt32] = [:]

        /// The word 3-shingles of `tokens` (the whole sequence when shorter), as ``shingles(_:size:)``
        /// gives them, numbered: two sets share a shingle exactly when the string sets do (tokens
        /// hold no space, so joining them loses nothing).
        mutating func shingles(_ tokens: [String]) -> Set<Shingle> {
            let ids = tokens.map { token in
                if let known = numbers[token] { return known }
                let id = UInt32(numbers.count)
                numbers[token] = id
                return id
            }
            guard ids.count >= 3 else {
                guard !ids.isEmpty else { return [] }
                return [Shingle(words: (ids[0], ids.count > 1 ? ids[1] : 0, 0), count: UInt8(ids.count))]
            }
            var result = Set<Shingle>(minimumCapacity: ids.count - 2)
            for start in 0...(ids.count - 3) {
                result.insert(Shingle(words: (ids[start], ids[start + 1], ids[start + 2]), count: 3))
            }
            return result
        }
    }

    /// |a ∩ b| / |a ∪ b|; 0 when both are empty.
    static func jaccard<Element>(_ a: Set<Element>, _ b: Set<Element>) -> Double {
        let common = commonCount(a, b)
        let union = a.count + b.count - common
        guard union > 0 else { return 0 }
        return Double(common) / Double(union)
    }

    /// |a ∩ b| / min(|a|, |b|): how much of the smaller set the larger one covers.
    static func overlapCoefficient<Element>(_ a: Set<Element>, _ b: Set<Element>) -> Double {
        let smaller = min(a.count, b.count)
        guard smaller > 0 else { return 0 }
        return Double(commonCount(a, b)) / Double(smaller)
    }

    /// |a ∩ b|, counted without building either the intersection or the union.
    static func commonCount<Element>(_ a: Set<Element>, _ b: Set<Element>) -> Int {
        let (smaller, larger) = a.count <= b.count ? (a, b) : (b, a)
        var count = 0
        for element in smaller where larger.contains(element) { count += 1 }
        return count
    }

    /// Whether one token sequence occurs inside the other.
    static func contains(eitherOf a: [String], _ b: [String]) -> Bool {
        a.count >= b.count ? TextNormalization.containsRun(a, b) : TextNormalization.containsRun(b, a)
    }
}
