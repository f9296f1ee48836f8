/// Splits text into lowercased word tokens.
///
/// A token is a run of letters (any script), digits, combining marks and
/// underscores; everything else separates tokens. Identifiers such as
/// `tcp_congestion_control` or `O_DIRECT` stay whole (lowercased), while
/// `3.14`, `e-mail` and `don't` split at the punctuation.
public struct Tokenizer: Sendable {
    /// Creates a tokenizer.
    public init() {}

    /// The lowercased tokens of `text`, in order, repeats included.
    public func tokens(in text: some StringProtocol) -> [String] {
        var result: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if Self.isWordScalar(scalar) {
                current.append(scalar)
            } else if !current.isEmpty {
                result.append(String(current).lowercased())
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty {
            result.append(String(current).lowercased())
        }
        return result
    }

    /// Whether `scalar` belongs inside a token: a letter, digit, combining mark or underscore.
    public static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber,
            .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}
