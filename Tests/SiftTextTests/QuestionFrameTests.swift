import SiftCore
import Testing

@testable import SiftText

@Suite("QuestionFrameParser")
struct QuestionFrameParserTests {
    @Test(
        "reads the relation and the subject",
        arguments: [
            ("What do you call a baby swan?", QuestionFrame.Relation.young, "swan"),
            ("what is a young otter called", .young, "otter"),
            ("What is the name for a young whale?", .young, "whale"),
            ("a young pig is called what", .young, "pig"),
            ("what's a female deer called", .female, "deer"),
            ("Which word names a male goose?", .male, "goose"),
            ("what is a group of owls called", .group, "owls"),
            ("What is the collective noun for bees?", .group, "bees"),
            ("What sound does a horse make?", .sound, "horse"),
            ("what is the capital of Peru", .capital, "peru"),
            ("Which city is the capital of Chile?", .capital, "chile"),
            ("What is Norway's capital?", .capital, "norway"),
            ("what is the chemical symbol for tin", .symbol, "tin"),
            ("What is the symbol of As?", .symbol, "as"),
            ("What does UNESCO stand for?", .expansion, "unesco"),
            ("what is GDP short for", .expansion, "gdp"),
            ("who succeeded Lenin", .successor, "lenin"),
            ("Who came before Nixon?", .predecessor, "nixon"),
            ("where is Kathmandu located", .location, "kathmandu"),
            ("In which country is Timbuktu?", .location, "timbuktu"),
            ("what is bronze made of", .material, "bronze"),
            ("When was Chopin born?", .time, "chopin"),
            ("who discovered penicillin", .creator, "penicillin"),
            ("what is the atomic number of neon", .number, "neon"),
        ])
    func reads(question: String, relation: QuestionFrame.Relation, subject: String) throws {
        let frame = try #require(QuestionFrameParser.parse(question))
        #expect(frame.relation == relation)
        #expect(frame.subject == subject)
        #expect(frame.answerType == QuestionFrameParser.answerType(relation))
    }

    @Test(
        "leaves questions that ask no relation alone",
        arguments: [
            "how does TCP congestion control work", "why is the sky blue", "what is photosynthesis",
            "what is it called", "SELECT name FROM users", "compare vim and emacs",
        ])
    func noRelation(question: String) {
        #expect(QuestionFrameParser.parse(question) == nil)
    }

    @Test("the analyzer frames definitions and keeps a short subject that is a stop word")
    func analyzer() throws {
        let analyzer = QueryAnalyzer()
        let definition = try analyzer.analyze("What is an aardvark?")
        #expect(definition.frame?.relation == .definition)
        #expect(definition.frame?.subject == "aardvark")

        // "As" is a stop word, but here it is the subject, written as a name.
        let symbol = try analyzer.analyze("What element has the symbol As? What is the symbol of As?")
        #expect(symbol.parts.count == 2)
        let short = try analyzer.analyze("what is the symbol of As")
        #expect(short.terms.first == "as")
        #expect(short.focus == "as")

        let young = try analyzer.analyze("What do you call a baby swan?")
        #expect(young.terms.prefix(2) == ["swan", "young"])
    }

    @Test("a compound question is analyzed part by part")
    func compound() throws {
        let query = try QueryAnalyzer().analyze("What is the capital of Peru and what is the capital of Chile?")
        #expect(query.parts.map { $0.frame?.subject } == ["peru", "chile"])
        #expect(query.frame == nil)
    }
}

@Suite("LightStemmer")
struct LightStemmerTests {
    @Test(
        "strips plural endings only",
        arguments: [
            ("lions", "lion"), ("geese", "goose"), ("wolves", "wolf"), ("countries", "country"), ("boxes", "box"),
            ("glass", "glass"), ("bus", "bus"), ("analysis", "analysis"), ("cat", "cat"), ("mice", "mouse"),
        ])
    func stems(word: String, stem: String) {
        #expect(LightStemmer.stem(word) == stem)
    }
}

@Suite("FrameReader")
struct FrameReaderTests {
    func frame(_ question: String) throws -> QuestionFrame {
        try #require(QuestionFrameParser.parse(question))
    }

    @Test("a reverse relation is answered by the headword of the entry that states it")
    func reverse() throws {
        let young = try frame("what do you call a baby swan")
        let match = try #require(FrameReader.match(young, text: "cygnet: a young swan", title: "cygnet"))
        #expect(match.answer == "cygnet")
        #expect(match.sentence == "Cygnet is a young swan")
        // The subject's own entry does not name its young.
        #expect(FrameReader.match(young, text: "swan: stately heavy-bodied aquatic bird; young are grey", title: "swan") == nil)
    }

    @Test("the subject must stand as a whole name next to the relation word")
    func wholeName() throws {
        let capital = try frame("what is the capital of Wales")
        #expect(FrameReader.match(capital, text: "Sydney: the state capital of New South Wales", title: "Sydney") == nil)
        let match = try #require(
            FrameReader.match(capital, text: "Cardiff: the capital and largest city of Wales", title: "Cardiff"))
        #expect(match.answer == "Cardiff")
        // Relation words far from the subject say nothing about it.
        #expect(
            FrameReader.match(
                capital, text: "Leeds: a city that was never a capital, although it lies near Wales", title: "Leeds")
                == nil)
    }

    @Test("a forward relation reads the symbol after 'symbol' in the subject's own text")
    func symbol() throws {
        let symbol = try frame("what is the chemical symbol for tin")
        let match = try #require(
            FrameReader.match(
                symbol, text: "Tin is a chemical element; it has the symbol Sn and atomic number 50.", title: "Tin"))
        #expect(match.answer == "Sn")
        #expect(FrameReader.match(symbol, text: "Tin: a silvery malleable metal", title: "tin") == nil)
    }

    @Test("an expansion is a name whose initials spell the abbreviation")
    func expansion() throws {
        let expansion = try frame("what does WHO stand for")
        let match = try #require(
            FrameReader.match(
                expansion, text: "World Health Organization: a United Nations agency for health", title: "World Health Organization"))
        #expect(match.answer == "World Health Organization")
    }

    @Test("a synonym entry with the same definition answers a symbol question")
    func alias() throws {
        let symbol = try frame("what is the symbol of neon")
        let body = "a colorless odorless gaseous element that gives a red glow in a vacuum tube"
        let found = try #require(
            FrameReader.aliasMatch(symbol, passages: [("neon: \(body)", "neon"), ("Ne: \(body)", "Ne")]))
        #expect(found.match.answer == "Ne")
        #expect(found.index == 1)
    }
}

@Suite("FrameReader: other names, succession and references")
struct FrameReaderReferenceTests {
    func frame(_ question: String) throws -> QuestionFrame {
        try #require(QuestionFrameParser.parse(question))
    }

    @Test("a sense's other names answer symbols, figures, expansions and what a symbol names")
    func synonyms() throws {
        let neon = "neon: a colorless odorless gaseous element that glows red [syn: Ne, atomic number 10]"
        #expect(try FrameReader.match(frame("what is the chemical symbol for neon"), text: neon, title: "neon")?.answer == "Ne")
        #expect(try FrameReader.match(frame("what is the atomic number of neon"), text: neon, title: "neon")?.answer == "10")
        let who = "WHO: a United Nations agency that coordinates health [syn: World Health Organization]"
        #expect(
            try FrameReader.match(frame("what does WHO stand for"), text: who, title: "WHO")?.answer
                == "World Health Organization")
        let ne = "Ne: a colorless odorless gaseous element that glows red [syn: neon, atomic number 10]"
        let bearer = try frame("which element has the symbol Ne")
        #expect(bearer.relation == .bearer)
        #expect(FrameReader.match(bearer, text: ne, title: "Ne")?.answer == "neon")
        // "which element": a sense that is no element does not answer.
        #expect(FrameReader.match(bearer, text: "Ne: northeast [syn: northeast, NE]", title: "Ne") == nil)
    }

    @Test("a full name among the other names names the answer")
    func fullName() throws {
        let match = try #require(
            FrameReader.match(
                frame("who succeeded Harding"),
                text: "Coolidge: 30th President; succeeded Harding who died in office [syn: Calvin Coolidge, President Coolidge]",
                title: "Coolidge"))
        #expect(match.answer == "Calvin Coolidge")
    }

    @Test("succession is read from the numbers of an office")
    func succession() throws {
        let next = try frame("Which president came after James Polk?")
        #expect(next.relation == .successor)
        #expect(next.subject == "james polk")
        let passages = [
            ("Polk: 11th President of the United States (1795-1849) [syn: James Polk, James K. Polk]", "Polk"),
            ("Taylor: 12th President of the United States (1784-1850) [syn: Zachary Taylor]", "Taylor"),
            ("Fillmore: 13th President of the United States (1800-1874) [syn: Millard Fillmore]", "Fillmore"),
        ]
        let found = try #require(FrameReader.successionMatch(next, passages: passages))
        #expect(found.index == 1)
        #expect(found.match.answer == "Zachary Taylor")
        let before = try frame("Whom did Millard Fillmore succeed?")
        #expect(FrameReader.successionMatch(before, passages: passages)?.match.answer == "Zachary Taylor")
        #expect(FrameReader.ordinal(22) == "22nd")
        #expect(FrameReader.ordinal(13) == "13th")
    }

    @Test("a term list's definition and the name a reference gives a description")
    func references() throws {
        let page = "Error codes\nerrno.EXDEV\nCross-device link\nerrno.ENODEV\nNo such device"
        let defined = try #require(FrameReader.termDefinition(subject: "exdev", text: page))
        #expect(defined.sentence == "EXDEV: Cross-device link")
        let quoted = try frame("A call failed with \"No such device\". Which errno is that?")
        #expect(quoted.relation == .identifier)
        #expect(FrameReader.match(quoted, text: page, title: "errno")?.answer == "ENODEV")
        let module = try frame("Which Python module provides reading and writing of zip archives?")
        #expect(module.relation == .identifier)
        let match = try #require(
            FrameReader.match(module, text: "This module provides tools.", title: "zipfile — Work with ZIP archives"))
        #expect(match.answer == "zipfile")
    }
}

@Suite("ExtractiveSynthesizer: direct answers and abstention")
struct DirectAnswerTests {
    let analyzer = QueryAnalyzer()
    let ranker = BM25Ranker()
    let synthesizer = ExtractiveSynthesizer()

    func compose(_ question: String, _ entries: [(title: String, text: String)]) throws -> (text: String, answered: Bool) {
        let sources = entries.enumerated().map { index, entry in
            Source(n: index + 1, url: "kb://test/\(index)", title: entry.title, snippet: entry.text, providers: ["kb"], score: 1)
        }
        let candidates = entries.enumerated().map { index, entry in
            CandidatePassage(sourceN: index + 1, text: entry.text, title: entry.title, sourceScore: 1)
        }
        let query = try analyzer.analyze(question)
        let passages = ranker.rank(candidates, for: query, limit: 8)
        return synthesizer.compose(query: query, sources: sources, passages: passages)
    }

    @Test("the answer entity leads, cited, even when the subject's own entry ranks high")
    func leadsWithTheAnswer() throws {
        let result = try compose(
            "What is a young swan called?",
            [
                ("swan", "swan: stately heavy-bodied aquatic bird with very long neck"),
                ("Swan", "Swans are birds of the family Anatidae; the young are grey."),
                ("cygnet", "cygnet: a young swan"),
            ])
        #expect(result.answered)
        #expect(result.text.hasPrefix("Cygnet is a young swan [3]."))
    }

    @Test("a question about something absent is declined, naming the closest sources")
    func abstains() throws {
        let result = try compose(
            "what is the capital of Quelmaria",
            [
                ("capital", "capital: a seat of government"),
                ("Lima", "Lima: the capital and largest city of Peru"),
            ])
        #expect(!result.answered)
        #expect(result.text.hasPrefix("The sources found do not answer this question."))
        #expect(!result.text.contains("Lima is"))
    }

    @Test("a definition question whose subject no sentence names is declined")
    func definitionOfAbsentSubject() throws {
        let result = try compose(
            "Who is the president of Quelmaria?",
            [("president", "president: the chief executive of a republic")])
        #expect(!result.answered)
    }

    @Test("each part of a compound question gets its own answer")
    func compound() throws {
        let result = try compose(
            "What is the capital of Peru and what is the capital of Chile?",
            [
                ("Lima", "Lima: the capital and largest city of Peru"),
                ("Santiago", "Santiago: the capital and largest city of Chile"),
            ])
        #expect(result.answered)
        #expect(result.text.contains("Lima is the capital and largest city of Peru [1]."))
        #expect(result.text.contains("Santiago is the capital and largest city of Chile [2]."))
    }

    @Test("a name no source holds is declined, whatever the other words match")
    func absentName() throws {
        let result = try compose(
            "When does Python raise GlorpfError?",
            [("raise", "raise: to lift something up"), ("Exceptions", "Python raises an exception when an error occurs.")])
        #expect(!result.answered)
    }

    @Test("the summary says whether the question was answered")
    func summary() async throws {
        let query = try analyzer.analyze("what is the capital of Quelmaria")
        let request = SynthesisRequest(question: query.original, query: query, sources: [], passages: [])
        var answered: Bool?
        try await synthesizer.synthesize(request) { output in
            if case .finished(let summary) = output { answered = summary.answered }
        }
        #expect(answered == false)
    }
}
