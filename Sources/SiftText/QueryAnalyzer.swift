import SiftCore

/// Turns raw client input into an ``AnalyzedQuery``: validates it, normalizes
/// white space, detects its ``QueryKind``, and extracts terms, focus,
/// complexity, ambiguous terms and sub-queries.
///
/// SQL, source code, shell commands, error logs and arithmetic are legitimate
/// queries: they get their own kind and are never rejected.
///
/// ```swift
/// let query = try QueryAnalyzer().analyze("what is the capital of Australia")
/// query.kind   // .question
/// query.focus  // "capital of australia"
/// ```
public struct QueryAnalyzer: QueryAnalyzing {
    /// The most Characters a query may have after trimming.
    public let maxLength: Int

    let tokenizer = Tokenizer()

    /// Creates an analyzer that rejects queries longer than `maxLength` Characters.
    public init(maxLength: Int = 2000) {
        self.maxLength = maxLength
    }

    /// Analyzes UTF-8 `bytes`; invalid UTF-8 throws ``QueryError/invalidEncoding``.
    ///
    /// A leading byte-order mark is ignored.
    public func analyze(bytes: some Collection<UInt8>) throws(QueryError) -> AnalyzedQuery {
        guard var text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidEncoding
        }
        if text.unicodeScalars.first == "\u{FEFF}" {
            text.unicodeScalars.removeFirst()
        }
        return try analyze(text)
    }

    /// Analyzes `text`.
    ///
    /// Throws ``QueryError/emptyQuery`` for empty or white-space-only text,
    /// ``QueryError/queryTooLong(length:limit:)`` above ``maxLength`` Characters,
    /// and ``QueryError/invalidCharacters(_:)`` for control characters other than
    /// tab, newline and carriage return (C0, DEL, C1 and NUL).
    public func analyze(_ text: String) throws(QueryError) -> AnalyzedQuery {
        try analyze(text, splitting: true)
    }

    /// One part of a compound question, analyzed without splitting it again. A bare noun phrase
    /// (one side of a comparison: "a footbridge") asks what it is.
    func part(_ text: String) throws(QueryError) -> AnalyzedQuery {
        var query = try analyze(text, splitting: false)
        let words = query.normalized.split(separator: " ")
        if query.frame == nil, query.kind == .keywords, words.count <= 4 {
            let subject = QuestionFrameParser.dropArticle(Substring(query.normalized.lowercased()))
            query.frame = QuestionFrame(relation: .definition, subject: String(subject), answerType: .description)
            query.focus = String(subject)
        }
        return query
    }

    /// Analyzes `text`; a compound question's parts are analyzed without splitting them again.
    func analyze(_ text: String, splitting: Bool) throws(QueryError) -> AnalyzedQuery {
        if let detail = Self.firstControlCharacter(in: text) {
            throw .invalidCharacters(detail)
        }
        let trimmed = TextNormalization.trim(text)
        if trimmed.isEmpty {
            throw .emptyQuery
        }
        let length = trimmed.count
        if length > maxLength {
            throw .queryTooLong(length: length, limit: maxLength)
        }
        let normalized = TextNormalization.foldWhitespace(trimmed)
        let kind = detectKind(normalized: normalized, raw: String(trimmed))
        let subQueries = splitting && (kind == .question || kind == .keywords) ? splitSubQueries(normalized) : []
        let frame = subQueries.isEmpty ? questionFrame(normalized: normalized, kind: kind) : nil
        var terms = extractTerms(normalized: normalized, kind: kind)
        var focus = extractFocus(normalized: subQueries.first ?? normalized, kind: kind, terms: terms)
        if let frame {
            terms = termsForFrame(frame, terms: terms, original: String(trimmed))
            if frame.relation != .definition || focus == nil { focus = frame.subject }
        }
        let ambiguous = ambiguousTerms(in: terms, kind: kind)
        let complexity = estimateComplexity(
            normalized: normalized, kind: kind, terms: terms, focus: focus, subQueries: subQueries)
        return AnalyzedQuery(
            original: text, normalized: normalized, kind: kind, terms: terms, focus: focus,
            complexity: complexity, ambiguousTerms: ambiguous, subQueries: subQueries, frame: frame,
            parts: subQueries.count >= 2 ? subQueries.compactMap { try? part($0) } : [])
    }

    /// Describes the first forbidden control character, e.g.
    /// "a control character (U+0007) at position 12" (1-based Character position).
    static func firstControlCharacter(in text: String) -> String? {
        var position = 0
        for character in text {
            position += 1
            for scalar in character.unicodeScalars where isForbidden(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                let name = scalar.value == 0 ? "a NUL character" : "a control character"
                return "\(name) (U+\(padded)) at position \(position)"
            }
        }
        return nil
    }

    private static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F, 0x80...0x9F: true
        default: false
        }
    }
}
