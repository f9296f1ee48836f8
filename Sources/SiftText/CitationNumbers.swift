/// The source numbers an answer cites: `[3]`, `[1][3]`, `[1, 3]`.
public enum CitationNumbers {
    /// Every number inside square brackets, in order, with repeats.
    public static func cited(in text: String) -> [Int] {
        var numbers: [Int] = []
        var inside = false
        var current: Int?
        for character in text {
            if character == "[" {
                inside = true
                current = nil
            } else if inside, let digit = character.wholeNumberValue, character.isASCII {
                current = min((current ?? 0) * 10 + digit, 1_000_000)
            } else if inside, character == "]" || character == "," {
                if let value = current { numbers.append(value) }
                current = nil
                if character == "]" { inside = false }
            } else if inside, character != " " {
                inside = false
            }
        }
        return numbers
    }
}
