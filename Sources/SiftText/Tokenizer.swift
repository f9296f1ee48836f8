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
    ///
    /// Tokens are gathered as UTF-8 bytes; an ASCII token (most of them) is lowercased byte by byte,
    /// any other with `String.lowercased()`, which is what the two do alike for ASCII.
    public func tokens(in text: some StringProtocol) -> [String] {
        var result: [String] = []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        var ascii = true
        func flush() {
            guard !bytes.isEmpty else { return }
            result.append(ascii ? String(decoding: bytes, as: UTF8.self) : String(decoding: bytes, as: UTF8.self).lowercased())
            bytes.removeAll(keepingCapacity: true)
            ascii = true
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let v = UInt8(truncatingIfNeeded: scalar.value)
                switch v {
                case 0x30...0x39, 0x61...0x7A, 0x5F: bytes.append(v)
                case 0x41...0x5A: bytes.append(v | 0x20)
                default: flush()
                }
            } else if Self.isWordScalar(scalar) {
                ascii = false
                UTF8.encode(scalar) { bytes.append($0) }
            } else {
                flush()
            }
        }
        flush()
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
