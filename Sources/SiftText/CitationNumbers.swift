/// The source numbers an answer cites: `[3]`, `[1][3]`, `[1, 3]`, `[2-4]`, read with the
/// grammar ``CitationFilter`` applies while the answer streams.
public enum CitationNumbers {
    /// Every cited number, in order, with repeats.
    public static func cited(in text: String) -> [Int] {
        var numbers: [Int] = []
        var bracket: String.UnicodeScalarView?
        for scalar in text.unicodeScalars {
            if scalar == "[" {
                bracket = String.UnicodeScalarView([scalar])
            } else if var open = bracket {
                open.append(scalar)
                if scalar == "]" {
                    numbers += CitationFilter.citedNumbers(in: open) ?? []
                    bracket = nil
                } else if open.count > CitationFilter.maxHeldScalars {
                    bracket = nil
                } else {
                    bracket = open
                }
            }
        }
        return numbers
    }
}
