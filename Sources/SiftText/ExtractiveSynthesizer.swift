import SiftCore

/// Writes an answer from ranked passages without a language model, by choosing
/// and ordering their sentences so that the result reads as an answer: the most
/// direct statement first (a definition of the focus, or a sentence naming what
/// the question asks for), then supporting sentences.
///
/// - Dictionary entries (`Canberra: the capital of Australia`) become sentences
///   (`Canberra is the capital of Australia [1].`).
/// - Every sentence ends with its citations `[n]`, where `n` is the passage's
///   ``Passage/sourceN``; a sentence two sources support cites both (`[1][3]`).
/// - Encyclopedia openings and dictionary definitions of the focus lead what/who questions; fragments
///   ("Where p(M) is ..."), code, formulas, licence and changelog text, and sentences that merely use a
///   multi-word focus in passing do not.
/// - Code and error-log queries lead with the passage naming the most query identifiers, or defining the
///   error named (`ImportError is raised when ...`).
/// - Arithmetic queries are computed (`2+2*3 = 8.`) and simple SQL statements read in plain words
///   (`This SQL query reads the name column of the users table for rows where id is 1.`); those sentences
///   have no citation.
/// - When nothing answers the question it says so in one sentence; the answer is never empty.
public struct ExtractiveSynthesizer: Synthesizer {
    /// `extractive`.
    public let name = "extractive"
    /// The most sentences in an answer; simple questions get fewer.
    public var maxSentences: Int
    /// Words per streamed delta.
    public var wordsPerDelta: Int

    let tokenizer = Tokenizer()
    let splitter = SentenceSplitter()

    /// Creates a synthesizer that writes at most `maxSentences` sentences, streamed `wordsPerDelta` words at a time.
    public init(maxSentences: Int = 5, wordsPerDelta: Int = 2) {
        self.maxSentences = max(1, maxSentences)
        self.wordsPerDelta = max(1, wordsPerDelta)
    }

    /// Streams ``answer(query:sources:passages:)`` as deltas of a few words each
    /// that concatenate exactly to the answer.
    ///
    /// The answer is cheap to compute, so it is produced eagerly and buffered; a
    /// task that is already cancelled gets a `CancellationError` instead, and the
    /// producer stops as soon as the consumer terminates the stream.
    public func synthesize(
        query: AnalyzedQuery, sources: [Source], passages: [Passage]
    ) -> AsyncThrowingStream<String, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: String.self, throwing: (any Error).self)
        if Task.isCancelled {
            continuation.finish(throwing: CancellationError())
            return stream
        }
        let text = answer(query: query, sources: sources, passages: passages)
        for delta in Self.deltas(of: text, wordsPerDelta: wordsPerDelta) {
            if case .terminated = continuation.yield(delta) { break }
        }
        continuation.finish()
        return stream
    }

    /// Writes the answer as ``SynthesisOutput/text(_:model:)`` pieces, then a summary.
    public func synthesize(_ request: SynthesisRequest, into output: (SynthesisOutput) async throws -> Void) async throws {
        try Task.checkCancellation()
        let composed = compose(query: request.query, sources: request.sources, passages: request.passages)
        let text = LinkFilter.disarm(composed.text, sourceURLs: request.sources.map(\.url))
        for delta in Self.deltas(of: text, wordsPerDelta: wordsPerDelta) {
            try await output(.text(delta, model: nil))
        }
        try await output(.finished(SynthesisSummary(synthesizer: name, answered: composed.answered)))
    }

    /// The whole answer text; never empty.
    /// Page text quoted in it links only to `sources` (``LinkFilter``).
    public func answer(query: AnalyzedQuery, sources: [Source], passages: [Passage]) -> String {
        LinkFilter.disarm(compose(query: query, sources: sources, passages: passages).text, sourceURLs: sources.map(\.url))
    }

    /// The answer text, and whether it answers the question (`false` when it says that the sources
    /// do not, and names the closest ones).
    public func compose(query: AnalyzedQuery, sources: [Source], passages: [Passage]) -> (text: String, answered: Bool) {
        if query.kind == .arithmetic, let expression = ArithmeticExpression(query: query.normalized),
            let value = expression.formattedValue
        {
            return ("\(expression.text) = \(value).", true)
        }
        // A compound question: each part answered in turn, from the passages that hold its words.
        if query.parts.count >= 2 {
            let answers = query.parts.map { part in
                compose(query: part, sources: sources, passages: passages)
            }
            guard answers.contains(where: \.answered) else {
                return (answers.map(\.text).first ?? "", false)
            }
            return (answers.map(\.text).joined(separator: "\n\n"), true)
        }
        let titles = Dictionary(sources.map { ($0.n, $0.title) }, uniquingKeysWith: { first, _ in first })
        var candidates = candidates(query: query, passages: passages, titles: titles)
        if query.kind == .code, QueryAnalyzer.isSQL(query.normalized), let summary = SQLSummary(query.normalized).text {
            return (sqlAnswer(summary: summary, candidates: candidates), true)
        }
        // A name a reference's term list defines ("ENOLCK", "ModuleNotFoundError"): its definition leads.
        if let frame = query.frame, frame.relation == .definition,
            passages.contains(where: { passage in
                FrameReader.termDefinition(subject: frame.subject, text: passage.text) != nil
                    || FrameReader.titleDefinition(subject: frame.subject, title: titles[passage.sourceN] ?? "") != nil
            }),
            let direct = directAnswer(frame, passages: passages, titles: titles, candidates: candidates)
        {
            return (direct, true)
        }
        if let frame = query.frame, frame.relation != .definition {
            guard let direct = directAnswer(frame, passages: passages, titles: titles, candidates: candidates) else {
                return (abstention(passages: passages, titles: titles), false)
            }
            return (direct, true)
        }
        // A question naming something no source holds is not answered by what the sources say of its
        // other words ("when does Python raise FooError").
        if absentName(in: query, passages: passages, titles: titles) != nil {
            return (abstention(passages: passages, titles: titles), false)
        }
        if let frame = query.frame, frame.relation == .definition {
            // What X is: X's own entry or page leads, not an entry of a longer name ("toxin antitoxin").
            let subject = FrameReader.stems(frame.subject)
            for index in candidates.indices where FrameReader.stems(titles[candidates[index].sourceN] ?? "") == subject {
                candidates[index].score += 0.6
            }
        }
        let chosen = select(candidates, query: query)
        guard let lead = chosen.first else {
            // Nothing reads as an answer sentence, but a page may still define the subject in its body.
            if let frame = query.frame, frame.relation == .definition,
                let direct = directAnswer(frame, passages: passages, titles: titles, candidates: candidates)
            {
                return (direct, true)
            }
            return (abstention(passages: passages, titles: titles), false)
        }
        // A page that only mentions the subject in its first sentences ("An introduction to X") and
        // defines it further down ("Put simply, X is a kind of Y"): the defining sentence leads.
        if let frame = query.frame, frame.relation == .definition {
            let focus = FrameReader.stems(frame.subject)
            let leadWords = FrameReader.stems(lead.text)
            let role = SentenceForm.focusRole(of: focus, in: leadWords)
            // "A reader's guide to X: common questions" labels X in mid-sentence but says nothing of it;
            // an alias defined late ("Augusta Ada King, also known as Ada Lovelace, was …") does.
            let opensWithSubject = leadWords.starts(with: focus)
            if role < .definedLate || (!opensWithSubject && role != .definedLate),
                let direct = directAnswer(frame, passages: passages, titles: titles, candidates: candidates)
            {
                return (direct, true)
            }
        }
        // A question about a subject is answered only by a sentence about that subject: all of its
        // words in the lead sentence or the lead's source title.
        if let frame = query.frame, !Self.speaksOf(frame.subject, sentence: lead.text, title: titles[lead.citations[0]] ?? "") {
            return (abstention(passages: passages, titles: titles), false)
        }
        return (chosen.map { Self.render($0.text, citations: $0.citations) }.joined(separator: " "), true)
    }

    /// `text` cut into pieces of `wordsPerDelta` words, each with the white space
    /// that follows it, so that the pieces concatenate to `text`.
    public static func deltas(of text: String, wordsPerDelta: Int = 2) -> [String] {
        var pieces: [String] = []
        var current = ""
        var words = 0
        var inSpace = false
        for c in text {
            if c.isWhitespace {
                inSpace = true
            } else if inSpace {
                words += 1
                inSpace = false
                if words == wordsPerDelta {
                    pieces.append(current)
                    current = ""
                    words = 0
                }
            }
            current.append(c)
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// An SQL statement read in plain words (no citation: it comes from the query), then the
    /// best sentence of a source about SQL or naming several of its words, or a plain statement
    /// that there is none.
    func sqlAnswer(summary: String, candidates: [Candidate]) -> String {
        let relevant = candidates.filter { candidate in
            !candidate.fragment && (candidate.covered.contains("sql") || candidate.covered.count >= 2)
        }
        guard let best = relevant.max(by: { $0.score < $1.score }) else {
            return summary + " The knowledge base has no closer reference for it."
        }
        return summary + " " + Self.render(best.text, citations: [best.sourceN])
    }

    /// `text` without its final punctuation, then ` [n][m].`.
    static func render(_ text: String, citations: [Int]) -> String {
        var body = String(TextNormalization.trim(text))
        let closers: Set<Character> = ["\"", "'", "”", "’", ")", "]", "»"]
        if let last = body.last, closers.contains(last) {
            // `said "hello."` → `said "hello"`.
            let inner = body.dropLast()
            if let terminal = inner.last, ".!?;:,".contains(terminal) {
                body = String(inner.dropLast()) + String(last)
            }
        } else {
            let stripped = String(body.droppingSuffix { ".!?…;:, ".contains($0) })
            // Keep the period of a final initialism such as "U.S.".
            let lastWord = stripped.split(separator: " ").last ?? ""
            let initialism = lastWord.contains(".") && lastWord.split(separator: ".").allSatisfy { $0.count == 1 }
            body = initialism && body.hasSuffix(".") ? stripped + "." : stripped
        }
        let marks = citations.map { "[\($0)]" }.joined()
        return marks.isEmpty ? body + "." : body + " " + marks + "."
    }
}
