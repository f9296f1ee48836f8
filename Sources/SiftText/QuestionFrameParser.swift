import SiftCore

/// Reads the ``QuestionFrame`` of a factual question: which relation it asks of which subject.
///
/// It works on the question's structure, not on known subjects: a wrapper that asks for a name
/// ("what do you call …", "what is the word for …", "… called") is peeled off, and what is left
/// ("a young hare", "the capital of Peru", "iron's symbol") is read as a relation cue and a
/// subject. Questions shaped around a verb ("who succeeded X", "what does X stand for", "where is
/// X", "what is X made of") are read directly. Anything else that asks what or who something is
/// becomes a ``QuestionFrame/Relation/definition`` of its focus.
///
/// ```swift
/// QuestionFrameParser.parse("What do you call a baby kangaroo?")
/// // {relation: young, subject: "kangaroo", answerType: term}
/// ```
public enum QuestionFrameParser {
    /// The most words a subject may have.
    static let maxSubjectWords = 6

    /// Words a source uses for each relation, the cue words of questions included. They are the
    /// WordNet synonyms of the relation's noun or adjective (young: baby, offspring; group: herd,
    /// flock, pack …) that dictionary glosses use for it.
    public static func relationWords(_ relation: QuestionFrame.Relation) -> [String] {
        switch relation {
        case .young: ["young", "baby", "offspring", "juvenile"]
        case .female: ["female"]
        case .male: ["male"]
        case .group:
            ["group", "flock", "herd", "pack", "school", "colony", "swarm", "troop", "pod", "gaggle", "band", "brood",
             "collective",
             "litter", "drove", "collection", "company", "pride", "murder", "parliament"]
        case .sound: ["sound", "cry", "noise", "call", "utter", "characteristic"]
        case .capital: ["capital"]
        case .successor: ["succeeded", "successor", "followed", "after", "replaced"]
        case .predecessor: ["succeeded", "preceded", "predecessor", "before", "replaced"]
        case .symbol: ["symbol"]
        case .expansion: []
        case .abbreviation: ["abbreviation", "acronym"]
        case .material: ["made", "consisting", "composed", "alloy", "mixture", "containing", "consists"]
        case .creator:
            ["wrote", "written", "writer", "author", "invented", "inventor", "discovered", "discoverer", "founded",
             "founder", "created", "creator", "composed", "composer", "painted", "painter", "designed", "designer",
             "developed", "developer"]
        case .time: ["born", "died", "year", "century"]
        case .number: ["number"]
        case .bearer: ["symbol"]
        case .identifier: []
        case .location, .definition: []
        }
    }

    /// The answer type each relation expects.
    static func answerType(_ relation: QuestionFrame.Relation) -> QuestionFrame.AnswerType {
        switch relation {
        case .capital, .location: .place
        case .symbol, .abbreviation: .symbol
        case .bearer, .identifier: .term
        case .successor, .predecessor, .creator: .person
        case .time: .date
        case .number: .number
        case .definition: .description
        case .expansion, .young, .female, .male, .group, .sound, .material: .term
        }
    }

    /// The frame of `question`, or nil when it asks no relation of a subject (code, keywords,
    /// explanations, comparisons).
    public static func parse(_ question: String) -> QuestionFrame? {
        var text = normalize(question)
        guard !text.isEmpty else { return nil }
        for polite in ["please ", "can you tell me ", "could you tell me ", "tell me ", "do you know "]
        where text.hasPrefix(polite) {
            text = String(text.dropFirst(polite.count))
        }
        if let frame = verbFrame(text) { return frame }
        if let core = peelNameWrapper(text), let frame = coreFrame(core) { return frame }
        // "what is a baby shower" is no young shower: an adjective cue needs a naming wrapper.
        if let core = peelCopula(text), let frame = coreFrame(core, adjectives: false) { return frame }
        return nil
    }

    /// Lowercased, curly quotes straightened, final punctuation and white space runs removed.
    static func normalize(_ question: String) -> String {
        var text = question.lowercased().replacing("’", with: "'").replacing("‘", with: "'")
        text = text.replacing("“", with: "\"").replacing("”", with: "\"")
        let words = text.split(whereSeparator: \.isWhitespace)
        text = words.joined(separator: " ")
        return String(text.droppingSuffix { "?!. ".contains($0) })
    }

    /// Verbs that end a when-question about an event ("when did the wall fall").
    static let eventVerbs: Set<String> = [
        "sink", "fall", "start", "end", "happen", "begin", "die", "open", "close", "sign", "win", "lose", "launch",
        "land", "collapse", "occur", "erupt", "burn", "invent", "discover", "build", "found", "create", "write",
        "publish", "release", "become", "join", "leave", "arrive", "retire", "marry", "move", "take", "break",
        "explode", "crash", "split", "unite", "form", "abdicate", "reign", "rule", "live", "exist", "appear",
    ]

    /// Offices that a "who came after X" question may name.
    static let offices: Set<String> = [
        "president", "king", "queen", "emperor", "empress", "pope", "chancellor", "minister", "governor", "ruler",
        "monarch", "leader", "ceo", "chairman", "director", "champion", "tsar", "czar", "pharaoh", "sultan", "caliph",
        "shah", "premier", "mayor", "secretary", "head", "prime", "dictator", "general", "consul", "doge", "presidents",
        "kings", "queens", "emperors", "popes", "successor", "predecessor",
    ]

    // MARK: Questions built on a verb

    private static func verbFrame(_ text: String) -> QuestionFrame? {
        if let frame = roleFrame(text) { return frame }
        if let frame = symbolFrame(text) { return frame }
        if let frame = otherFrame(text) { return frame }
        if let frame = referenceFrame(text) { return frame }
        // "who succeeded X", "who followed X", "who came after X", "who replaced X".
        for (opener, relation) in [
            ("who succeeded ", QuestionFrame.Relation.successor), ("who followed ", .successor),
            ("who came after ", .successor), ("who replaced ", .successor), ("who took over from ", .successor),
            ("who was the successor of ", .successor), ("who was the successor to ", .successor),
            ("who preceded ", .predecessor), ("who came before ", .predecessor),
            ("who was the predecessor of ", .predecessor), ("who was before ", .predecessor),
            ("who wrote ", .creator), ("who invented ", .creator), ("who discovered ", .creator),
            ("who founded ", .creator), ("who created ", .creator), ("who composed ", .creator),
            ("who painted ", .creator), ("who designed ", .creator), ("who developed ", .creator),
        ] where text.hasPrefix(opener) {
            return frame(relation, subject: String(text.dropFirst(opener.count)))
        }
        // "who was X's successor", "who is X's predecessor".
        for copula in ["who was ", "who is ", "who became "] where text.hasPrefix(copula) {
            let rest = text.dropFirst(copula.count)
            if let (owner, noun) = possessive(rest) {
                if noun == "successor" { return frame(.successor, subject: owner) }
                if noun == "predecessor" { return frame(.predecessor, subject: owner) }
            }
        }
        // "what does X stand for", "what is X short for", "what is X an abbreviation of".
        for (opener, endings) in [
            ("what does ", [" stand for", " abbreviate"]),
            ("what do ", [" stand for"]),
            ("what is ", [" short for", " an abbreviation for", " an abbreviation of", " an acronym for"]),
            ("what's ", [" short for", " an abbreviation for"]),
        ] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in endings where rest.hasSuffix(ending) {
                return frame(.expansion, subject: String(rest.dropLast(ending.count)))
            }
        }
        // "what sound does a cow make", "what noise does a X make".
        for opener in ["what sound does ", "what sound do ", "what noise does ", "what noise do ", "what sounds do "]
        where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" make", " produce", " utter"] where rest.hasSuffix(ending) {
                return frame(.sound, subject: String(rest.dropLast(ending.count)))
            }
        }
        // "where is X", "where is X located", "in which country is X".
        for opener in [
            "where is ", "where are ", "where was ", "where's ", "in which country is ", "in what country is ",
            "in which country are ", "in which region is ", "in which state is ", "which country is ",
        ] where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for ending in [" located", " situated", " found", " based", " in"] where rest.hasSuffix(ending) {
                rest = rest.dropLast(ending.count)
                break
            }
            // "where was X born" asks a place too, but of a person's birth: still the subject's entry.
            if rest.hasSuffix(" born") { rest = rest.dropLast(5) }
            return frame(.location, subject: String(rest))
        }
        // "what is X made of", "what are X made from", "what is X composed of".
        for opener in ["what is ", "what are ", "what's ", "what was "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" made of", " made from", " made out of", " composed of", " built of", " consist of"]
            where rest.hasSuffix(ending) {
                return frame(.material, subject: String(rest.dropLast(ending.count)))
            }
        }
        for opener in ["what does ", "what do "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" consist of", " contain"] where rest.hasSuffix(ending) {
                return frame(.material, subject: String(rest.dropLast(ending.count)))
            }
        }
        // "when was X born", "when did X die", "in what year was X founded".
        for opener in ["when was ", "when were ", "when did ", "in what year was ", "in which year was ",
            "in what year did ", "in which year did ", "what year was ", "what year did "]
        where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for preposition in [" in", " on", " at"] where rest.hasSuffix(preposition) { rest = rest.dropLast(preposition.count) }
            // "when did the titanic sink", "when was the treaty signed": the event's verb is not its name.
            if let last = rest.split(separator: " ").last, rest.contains(" "),
                eventVerbs.contains(String(last)) || (last.hasSuffix("ed") && last.count > 4)
            {
                rest = rest.dropLast(last.count + 1)
            }
            for ending in [" born", " die", " died", " founded", " built", " written", " invented", " discovered",
                " happen", " take place", " begin", " start", " end", " published", " established", " created"]
            where rest.hasSuffix(ending) {
                rest = rest.dropLast(ending.count)
                break
            }
            return frame(.time, subject: String(rest))
        }
        // "which city is the capital of X", "which element has the symbol X" is left to search.
        for opener in ["which city is the capital of ", "what city is the capital of ", "which is the capital of "]
        where text.hasPrefix(opener) {
            return frame(.capital, subject: String(text.dropFirst(opener.count)))
        }
        return nil
    }

    /// Succession in an office, and what a person is known as: "who followed X as president",
    /// "which president came after X", "who was president before X", "what is X remembered as".
    static func roleFrame(_ text: String) -> QuestionFrame? {
        // "who followed X as US president" → successor of X.
        for (opener, relation) in [
            ("who followed ", QuestionFrame.Relation.successor), ("who succeeded ", .successor),
            ("who came after ", .successor), ("who preceded ", .predecessor), ("who came before ", .predecessor),
        ] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            if let range = rest.firstRange(ofText: " as ") {
                return frame(relation, subject: String(rest[..<range.lowerBound]))
            }
            if let range = rest.firstRange(ofText: " in office") {
                return frame(relation, subject: String(rest[..<range.lowerBound]))
            }
        }
        // "which president came after X", "which us president came just before X", "who was president before X".
        let words = text.split(separator: " ").map(String.init)
        if let first = words.first, ["which", "what", "who"].contains(first) {
            for (marker, relation) in [
                (" came just after ", QuestionFrame.Relation.successor), (" came after ", .successor),
                (" came right after ", .successor), (" after ", .successor),
                (" came just before ", .predecessor), (" came right before ", .predecessor),
                (" came before ", .predecessor), (" before ", .predecessor),
            ] {
                guard let range = text.firstRange(ofText: marker) else { continue }
                let head = text[..<range.lowerBound].split(separator: " ").map(String.init)
                // The office must be named before the marker ("which president", "who was president"), not a
                // clause with a verb of its own ("what did people eat before the war").
                guard head.count >= 2, head.count <= 8 else { continue }
                if head[0] == "who" {
                    guard ["was", "became", "served", "is", "were"].contains(head[1]), head.count >= 3 else { continue }
                } else if ["is", "was", "did", "does", "do", "are", "were", "happened", "happens", "can", "could",
                    "will", "would", "should", "has", "had", "have", "to"].contains(head[1])
                {
                    continue
                }
                // An office must be named ("which president came after …"), not "what to do after …".
                guard head.contains(where: offices.contains) || marker.contains(text: "came") else { continue }
                return frame(relation, subject: String(text[range.upperBound...]))
            }
        }
        // "what is X remembered as", "what was X known for", "what is X famous for".
        for opener in ["what is ", "what was ", "what are ", "what were "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" remembered as", " best remembered as", " best known for", " best known as", " known for",
                " known as", " famous for", " famous as", " noted for", " notable for"]
            where rest.hasSuffix(ending) {
                guard var definition = frame(.definition, subject: String(rest.dropLast(ending.count))) else { return nil }
                definition.answerType = .person
                return definition
            }
        }
        return nil
    }

    /// Questions about names in references: "which python module provides X" (the module named by a
    /// page titled "name — X"), "which errno means 'X'", "which errno is that" after a quoted message
    /// (the term a term list defines as X); and questions that ask what a named identifier is
    /// ("which exception corresponds to errno EAGAIN", "which built-in exception does X inherit from").
    static func referenceFrame(_ text: String) -> QuestionFrame? {
        var text = text
        for lead in ["in python, ", "in python ", "in linux, ", "in linux "] where text.hasPrefix(lead) {
            text = String(text.dropFirst(lead.count))
        }
        let words = text.split(separator: " ").map(String.init)
        guard let first = words.first else { return nil }
        let kinds = ["module", "modules", "errno", "exception", "function", "command", "page", "signal", "constant",
            "library", "package", "system call", "syscall", "error code", "code"]
        // A quoted message and a question for its name.
        if let open = text.firstIndex(where: { $0 == "\"" || $0 == "“" }),
            let close = text[text.index(after: open)...].firstIndex(where: { $0 == "\"" || $0 == "”" }),
            text.contains(anyOf: ["errno", "error code", "exception", "signal"]),
            text.contains(text: "which") || text.contains(text: "what")
        {
            let quoted = String(text[text.index(after: open)..<close])
            if quoted.split(separator: " ").count >= 2 {
                return QuestionFrame(relation: .identifier, subject: quoted, answerType: .term, relationWords: ["errno"])
            }
        }
        // "which python exception corresponds to errno X", "what exception does python raise when … fails with X",
        // "which built-in exception does X inherit from", "what is the parent class of X".
        for (opener, ending) in [
            ("which python exception corresponds to errno ", ""), ("which exception corresponds to errno ", ""),
            ("which built-in exception does ", " inherit from"), ("which exception does ", " inherit from"),
            ("what is the parent class of ", ""), ("what is the base class of ", ""),
        ] where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            if !ending.isEmpty {
                guard rest.hasSuffix(ending) else { continue }
                rest = rest.dropLast(ending.count)
            }
            if let range = rest.firstRange(ofText: " in python") { rest = rest[..<range.lowerBound] }
            return frame(.definition, subject: String(rest))
        }
        // "what does the linux man page futex(7) describe", "what is xattr(7) about in the linux manual".
        for opener in ["what does the linux man page ", "what does the man page ", "what does the linux manual page ",
            "what does the manual page ", "what does "]
        where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" describe", " document", " cover", " explain"] where rest.hasSuffix(ending) {
                return frame(.definition, subject: String(rest.dropLast(ending.count)))
            }
        }
        for opener in ["what is ", "what's "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" about in the linux manual", " about in the manual", " about in linux", " about"]
            where rest.hasSuffix(ending) {
                return frame(.definition, subject: String(rest.dropLast(ending.count)))
            }
        }
        if text.hasPrefix("what exception does python raise when"), let range = text.firstRange(ofText: " fails with ") {
            return frame(.definition, subject: String(text[range.upperBound...]))
        }
        // "which python module provides X", "what standard-library module would you use in python for X".
        guard ["which", "what"].contains(first), let kindIndex = words.prefix(6).firstIndex(where: kinds.contains) else {
            return nil
        }
        // The kind must be what is asked for ("which python module", "what standard-library module"),
        // not a noun of the question's object ("what is the area code for chicago").
        let qualifiers: Set<String> = [
            "python", "python's", "linux", "standard", "standard-library", "library", "built-in", "builtin", "section",
            "7", "man", "manual", "c", "posix", "unix", "kernel",
        ]
        guard words[1..<kindIndex].allSatisfy(qualifiers.contains) else { return nil }
        let rest = words[(kindIndex + 1)...].joined(separator: " ")
        for marker in ["provides ", "is meant for ", "supports ", "gives you ", "implements ", "offers ", "handles ",
            "is used for ", "lets you ", "contains ", "defines ", "describes ", "documents ", "covers ", "explains ",
            "is about ", "deals with ", "for ", "means "]
        {
            guard let range = rest.firstRange(ofText: marker) else { continue }
            let description = String(rest[range.upperBound...])
            guard description.split(separator: " ").count >= 1 else { return nil }
            return QuestionFrame(
                relation: .identifier, subject: description, answerType: .term, relationWords: [words[kindIndex]])
        }
        return nil
    }

    /// What a chemical symbol names: the answer's entry must say it is an element.
    static func elementBearer(_ subject: String) -> QuestionFrame? {
        guard var bearer = frame(.bearer, subject: subject) else { return nil }
        bearer.relationWords = ["symbol", "element"]
        return bearer
    }

    /// Other shapes: "what is the noise a lion makes called", "which collective noun is used for X",
    /// "whom did X succeed", "in which country or region is X", "what material makes up X".
    static func otherFrame(_ text: String) -> QuestionFrame? {
        // "(what is) the noise a lion makes (called)", "the sound that a cow makes".
        var core = Substring(text)
        for opener in ["what is ", "what's ", "what do you call "] where core.hasPrefix(opener) { core = core.dropFirst(opener.count) }
        for ending in [" called", " known as"] where core.hasSuffix(ending) { core = core.dropLast(ending.count) }
        core = dropArticle(core)
        for noun in ["noise ", "sound ", "cry ", "call "] where core.hasPrefix(noun) {
            var rest = core.dropFirst(noun.count)
            for lead in ["that ", "which ", "made by "] where rest.hasPrefix(lead) { rest = rest.dropFirst(lead.count) }
            for ending in [" makes", " make", " produces", " utters"] where rest.hasSuffix(ending) {
                return frame(.sound, subject: String(rest.dropLast(ending.count)))
            }
            if core.hasPrefix("sound ") || core.hasPrefix("noise "), noun != "call ", rest.count > 0, !rest.contains(" ") {
                continue
            }
        }
        for opener in ["which collective noun is used for ", "what collective noun is used for ",
            "which collective noun describes ", "what collective noun describes ", "which collective noun names ",
            "what is the collective noun of "]
        where text.hasPrefix(opener) {
            return frame(.group, subject: String(text.dropFirst(opener.count)))
        }
        for opener in ["whom did ", "who did "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for verb in [" succeed", " replace", " follow"] {
                if let range = rest.firstRange(ofText: verb) {
                    return frame(.predecessor, subject: String(rest[..<range.lowerBound]))
                }
            }
        }
        // "in which country or region is X", "in what part of the world is X".
        for opener in ["in which ", "in what "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for copula in [" is ", " are ", " was "] {
                guard let range = rest.firstRange(ofText: copula) else { continue }
                let place = rest[..<range.lowerBound]
                let places = ["country", "region", "state", "province", "city", "continent", "territory", "part",
                    "area", "county", "island", "ocean", "sea", "nation"]
                guard place.split(separator: " ").contains(where: { places.contains(String($0)) }) else { break }
                var subject = rest[range.upperBound...]
                for ending in [" located", " situated", " found"] where subject.hasSuffix(ending) {
                    subject = subject.dropLast(ending.count)
                }
                return frame(.location, subject: String(subject))
            }
        }
        // "what material makes up X", "what substance is X made from".
        for opener in ["what material makes up ", "what substance makes up ", "what makes up ", "what material is ",
            "what substance is ", "what material are ", "what are the ingredients of "]
        where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for ending in [" made of", " made from", " made out of", " composed of"] where rest.hasSuffix(ending) {
                rest = rest.dropLast(ending.count)
            }
            return frame(.material, subject: String(rest))
        }
        return nil
    }

    /// Chemical symbols and abbreviations asked in other words: "how is X written in chemical formulas",
    /// "which symbol stands for X", "which element has the symbol X", "what does the symbol X stand for",
    /// "what is the full name behind the initials X", "expand the abbreviation X", "how is X abbreviated".
    static func symbolFrame(_ text: String) -> QuestionFrame? {
        for opener in ["how is ", "how are "] where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" written in chemical formulas", " written in chemical formulae", " written in formulas",
                " written in a chemical formula", " symbolized", " symbolised", " written as a symbol"]
            where rest.hasSuffix(ending) {
                return frame(.symbol, subject: String(rest.dropLast(ending.count)))
            }
            for ending in [" usually abbreviated", " abbreviated", " commonly abbreviated", " shortened"]
            where rest.hasSuffix(ending) {
                return frame(.abbreviation, subject: String(rest.dropLast(ending.count)))
            }
        }
        for opener in ["which symbol stands for ", "what symbol stands for ", "which symbol represents ",
            "what symbol represents ", "which symbol denotes ", "what symbol is used for "]
        where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for ending in [" in chemistry", " in the periodic table", " on the periodic table"] where rest.hasSuffix(ending) {
                rest = rest.dropLast(ending.count)
            }
            return frame(.symbol, subject: String(rest))
        }
        // "which (chemical) element has the symbol X", "what element is X", "what does the symbol X stand for".
        for opener in ["which chemical element has the symbol ", "which element has the symbol ",
            "which chemical element uses the symbol ", "which element uses the symbol ", "which element is denoted by ",
            "what chemical element has the symbol ", "what element has the symbol ", "which element has the chemical symbol ",
            "what element has the chemical symbol ", "which element's symbol is ", "which element is symbolized by ",
            "which chemical element is represented by ", "which element is represented by "]
        where text.hasPrefix(opener) {
            return elementBearer(String(text.dropFirst(opener.count)))
        }
        for opener in ["what element does the symbol ", "which element does the symbol ",
            "what chemical element does the symbol ", "what does the chemical symbol ", "what does the symbol "]
        where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" stand for", " represent", " denote"] where rest.hasSuffix(ending) {
                return opener.contains(text: "element") ? elementBearer(String(rest.dropLast(ending.count)))
                    : frame(.bearer, subject: String(rest.dropLast(ending.count)))
            }
        }
        // Expansions: "what is the full name behind the initials X", "expand the abbreviation X",
        // "what do the initials X stand for", "what is the long form of X".
        for opener in ["what is the full name behind the initials ", "what is the full name behind ",
            "what is the full name of ", "what is the full form of ", "what is the long form of ",
            "what is the expansion of ", "expand the abbreviation ", "expand the acronym ", "expand ",
            "what is the meaning of the acronym ", "what is the meaning of the abbreviation "]
        where text.hasPrefix(opener) {
            return frame(.expansion, subject: String(text.dropFirst(opener.count)))
        }
        for opener in ["what do the initials ", "what do the letters ", "what does the acronym ",
            "what does the abbreviation ", "what do the acronym "]
        where text.hasPrefix(opener) {
            let rest = text.dropFirst(opener.count)
            for ending in [" stand for", " mean"] where rest.hasSuffix(ending) {
                return frame(.expansion, subject: String(rest.dropLast(ending.count)))
            }
        }
        // "which element has atomic number 60", "what element is number 7 in the periodic table".
        for opener in ["which element has the atomic number ", "which element has atomic number ",
            "what element has the atomic number ", "what element has atomic number ", "what element is number ",
            "which element is number ", "what is element number ", "which element is atomic number ",
            "which chemical element has atomic number ", "what chemical element has atomic number "]
        where text.hasPrefix(opener) {
            let number = text.dropFirst(opener.count).prefix { $0.isNumber }
            guard !number.isEmpty else { continue }
            guard var bearer = frame(.bearer, subject: "atomic number " + number) else { return nil }
            bearer.relationWords = ["number", "element"]
            return bearer
        }
        for opener in ["which atomic number does ", "what atomic number does "] where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for ending in [" have", " carry", " hold"] where rest.hasSuffix(ending) { rest = rest.dropLast(ending.count) }
            return frame(.number, subject: String(rest))
        }
        // "how many protons are in (the nucleus of) (an atom of) X": the atomic number.
        for opener in ["how many protons are in ", "how many protons does ", "how many protons are there in "]
        where text.hasPrefix(opener) {
            var rest = Substring(text.dropFirst(opener.count))
            for lead in ["the nucleus of ", "a nucleus of ", "an atom of ", "one atom of ", "the atom of ", "a "] where rest.hasPrefix(lead) {
                rest = rest.dropFirst(lead.count)
            }
            for lead in ["an atom of ", "one atom of "] where rest.hasPrefix(lead) { rest = rest.dropFirst(lead.count) }
            for ending in [" have", " contain"] where rest.hasSuffix(ending) { rest = rest.dropLast(ending.count) }
            return frame(.number, subject: String(rest))
        }
        return nil
    }

    // MARK: Questions that ask for a name

    /// The phrase a naming question is about: "a young hare" in "what do you call a young hare",
    /// "what is a young hare called", "which word names a young hare".
    static func peelNameWrapper(_ text: String) -> String? {
        var rest = Substring(text)
        var peeled = false
        for opener in [
            "what is the name for ", "what is the name of ", "what's the name for ", "what is the word for ",
            "what's the word for ", "what is the term for ", "what's the term for ", "what word is used for ",
            "what word describes ", "what word names ", "which word names ", "which word describes ",
            "which word means ", "which word is used for ", "what term is used for ", "which term names ",
            "what do you call ", "what do we call ", "what would you call ", "what do people call ",
            "what is the collective noun for ", "what's the collective noun for ", "what is the collective name for ",
            "what is the collective term for ", "name for ", "word for ", "term for ",
        ] where rest.hasPrefix(opener) {
            rest = rest.dropFirst(opener.count)
            // The collective-noun wrappers ask for a group by themselves.
            if opener.contains(text: "collective") { return "group of " + rest }
            peeled = true
            break
        }
        if !peeled {
            for opener in ["what is ", "what are ", "what's ", "how do you call ", "how is ", "how are "]
            where rest.hasPrefix(opener) {
                let candidate = rest.dropFirst(opener.count)
                for ending in [" called", " known as", " named", " referred to as"] where candidate.hasSuffix(ending) {
                    rest = candidate.dropLast(ending.count)
                    peeled = true
                    break
                }
                break
            }
        }
        if !peeled {
            // "a young hare is called", "a group of owls is called what".
            for ending in [" is called what", " are called what", " is called", " are called", " is known as"]
            where rest.hasSuffix(ending) {
                rest = rest.dropLast(ending.count)
                peeled = true
                break
            }
        }
        return peeled ? String(rest) : nil
    }

    /// The phrase after a leading "what is" / "who is" ("the capital of peru", "iron's symbol").
    static func peelCopula(_ text: String) -> String? {
        for opener in [
            "what is ", "what are ", "what's ", "what was ", "what were ", "who is ", "who was ", "who are ",
            "who's ", "which is ", "name ", "give ",
        ] where text.hasPrefix(opener) {
            return String(text.dropFirst(opener.count))
        }
        return nil
    }

    /// Reads a relation phrase: "a young hare", "the young of a hare", "the capital of peru",
    /// "peru's capital", "the chemical symbol for iron", "a group of owls", "the sound of a horse".
    static func coreFrame(_ core: String, adjectives: Bool = true) -> QuestionFrame? {
        let phrase = dropArticle(Substring(core))
        // "peru's capital", "iron's symbol".
        if let (owner, noun) = possessive(phrase), let relation = nounRelation(noun) {
            return frame(relation, subject: owner)
        }
        // "<relation noun> of/for <subject>".
        for connector in [" of ", " for ", " to "] {
            guard let range = phrase.firstRange(ofText: connector) else { continue }
            let head = String(phrase[..<range.lowerBound])
            let subject = phrase[range.upperBound...]
            if let relation = nounRelation(head) {
                return frame(relation, subject: String(subject))
            }
        }
        // "young hare", "baby kangaroo", "female fox", "male duck".
        let words = phrase.split(separator: " ")
        if adjectives, words.count >= 2 {
            let cue = String(words[0])
            let subject = words.dropFirst().joined(separator: " ")
            switch cue {
            case "young", "baby", "infant", "juvenile": return frame(.young, subject: subject)
            case "female": return frame(.female, subject: subject)
            case "male": return frame(.male, subject: subject)
            default: break
            }
        }
        return nil
    }

    /// The relation a noun phrase names: "capital", "capital city", "chemical symbol", "young".
    static func nounRelation(_ noun: String) -> QuestionFrame.Relation? {
        let words = noun.split(separator: " ").map(String.init).filter { !["the", "a", "an"].contains($0) }
        guard let last = words.last, words.count <= 3 else { return nil }
        let head = words.count >= 2 && ["city", "name", "word", "term", "noun"].contains(last) ? words[words.count - 2] : last
        switch head {
        case "capital": return .capital
        case "symbol": return .symbol
        case "abbreviation", "acronym": return .abbreviation
        case "young", "baby", "babies", "offspring": return .young
        case "female": return .female
        case "male": return .male
        case "group", "collective": return .group
        case "sound", "noise", "cry", "call": return words.contains("city") ? nil : .sound
        case "successor": return .successor
        case "predecessor": return .predecessor
        case "location": return .location
        case "author", "inventor", "founder", "discoverer", "creator", "composer": return .creator
        default:
            if words.suffix(2) == ["atomic", "number"] { return .number }
            return nil
        }
    }

    /// "peru's capital" → ("peru", "capital"); "the ancient greeks' word" → ("the ancient greeks", "word").
    static func possessive(_ phrase: Substring) -> (owner: String, noun: String)? {
        for marker in ["'s ", "s' "] {
            guard let range = phrase.firstRange(ofText: marker) else { continue }
            let owner = marker == "s' " ? phrase[..<phrase.index(after: range.lowerBound)] : phrase[..<range.lowerBound]
            let noun = phrase[range.upperBound...]
            guard !owner.isEmpty, !noun.isEmpty else { return nil }
            return (String(dropArticle(owner)), String(noun))
        }
        return nil
    }

    static func dropArticle(_ text: Substring) -> Substring {
        for article in ["the ", "a ", "an "] where text.hasPrefix(article) {
            return text.dropFirst(article.count)
        }
        return text
    }

    /// A frame for `relation` over `subject` cleaned of articles, quotes and trailing words
    /// ("called"); nil when the subject is empty, too long, or a pronoun ("it", "this").
    static func frame(_ relation: QuestionFrame.Relation, subject raw: String) -> QuestionFrame? {
        var subject = Substring(raw).trimmingPrefix { $0 == " " || "\"'`(".contains($0) }
        subject = subject.droppingSuffix { $0 == " " || "\"'`,;:".contains($0) }
        // A closing parenthesis stays when it closes one ("xattr(7)").
        while subject.hasSuffix(")") && !subject.contains("(") { subject = subject.dropLast() }
        subject = dropArticle(subject)
        for ending in [" called", " known as", " named"] where subject.hasSuffix(ending) {
            subject = subject.dropLast(ending.count)
        }
        let words = subject.split(separator: " ")
        guard !words.isEmpty, words.count <= maxSubjectWords else { return nil }
        let pronouns: Set<String> = ["it", "this", "that", "they", "them", "he", "she", "him", "her", "its", "you", "i"]
        if words.count == 1, pronouns.contains(String(words[0])) { return nil }
        return QuestionFrame(
            relation: relation, subject: String(subject), answerType: answerType(relation),
            relationWords: relationWords(relation))
    }
}
