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

    /// |a ∩ b| / |a ∪ b|; 0 when both are empty.
    static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        let common = commonCount(a, b)
        let union = a.count + b.count - common
        guard union > 0 else { return 0 }
        return Double(common) / Double(union)
    }

    /// |a ∩ b| / min(|a|, |b|): how much of the smaller set the larger one covers.
    static func overlapCoefficient(_ a: Set<String>, _ b: Set<String>) -> Double {
        let smaller = min(a.count, b.count)
        guard smaller > 0 else { return 0 }
        return Double(commonCount(a, b)) / Double(smaller)
    }

    /// |a ∩ b|, counted without building either the intersection or the union.
    static func commonCount(_ a: Set<String>, _ b: Set<String>) -> Int {
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
