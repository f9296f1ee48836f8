/// Option lists and API references (sysctl files, man pages, library references) as sentences.
///
/// `tcp_congestion_control - STRING` followed by `Set the congestion control algorithm ...`, or
/// `tcp_congestion_control (String; since Linux 2.4.13) Set the default ...` on one line, becomes
/// `tcp_congestion_control sets the congestion control algorithm ...`; `exception ImportError`
/// followed by `Raised when ...` becomes `ImportError is raised when ...`: the option or the API
/// element is the subject of its description.
enum OptionDescription {
    /// Verbs that open descriptions in the imperative ("Set", "Enable") or the third person ("Sets").
    static let verbs: Set<String> = [
        "set", "enable", "disable", "show", "control", "limit", "allow", "specify", "define", "select", "determine",
        "configure", "change", "force", "use", "make", "return", "print", "display", "indicate", "add", "remove",
        "keep", "send", "reset", "override", "report", "give", "get", "read", "write", "create", "mark", "hold",
        "turn", "adjust", "apply", "tune", "cap", "restrict", "prevent", "toggle", "count", "store", "contain",
        "list", "provide", "accept", "ignore", "request", "reserve", "drop", "delay", "retry", "record",
        "join", "raise", "open", "close", "split", "convert", "compute", "calculate", "test", "check", "wait",
        "run", "call", "load", "parse", "format", "encode", "decode", "copy", "move", "rename", "delete",
        "insert", "append", "extend", "lock", "unlock", "acquire", "release", "initialize", "register",
        "unregister", "allocate", "free", "construct", "build", "execute", "install", "wrap", "search", "find",
        "match", "replace", "sort", "update", "clear", "flush", "bind", "connect", "listen", "receive",
        "schedule", "cancel", "block", "try",
    ]

    /// Participles that open descriptions in the passive ("Raised when ...").
    static let participles: Set<String> = ["raised", "returned", "used", "called", "emitted", "thrown", "ignored"]

    /// `blocks` with headers joined to the description that follows them.
    static func joiningHeaders(_ blocks: [String]) -> [String] {
        var result: [String] = []
        forEachJoined(blocks) { block in
            result.append(block)
            return true
        }
        return result
    }

    /// ``joiningHeaders(_:)``'s blocks one at a time, as long as `body` returns true: a reader that
    /// needs only the first few does not read the rest (each block's header is looked for once).
    static func forEachJoined(_ blocks: [String], _ body: (String) -> Bool) {
        var index = 0
        var header = blocks.first.flatMap(headerName)
        while index < blocks.count {
            let block = blocks[index]
            let nextHeader = index + 1 < blocks.count ? headerName(blocks[index + 1]) : nil
            if let name = header, index + 1 < blocks.count, nextHeader == nil {
                let description = blocks[index + 1]
                guard body(sentence(name: name, description: description) ?? description) else { return }
                index += 2
                header = index < blocks.count ? headerName(blocks[index]) : nil
                continue
            }
            guard body(inline(block) ?? block) else { return }
            index += 1
            header = nextHeader
        }
    }

    /// The option named by a header block ("tcp_ecn - INTEGER", "rmem_max"), or the API element
    /// of a reference header ("exception ImportError", "class Path(*segments)", "os.path.join(path, *paths)").
    static func headerName(_ block: String) -> String? {
        let words = TextNormalization.split(block, on: " ")
        if words.count >= 2, ["exception", "class"].contains(words[0]) {
            let name = words[1].prefix { $0 != "(" }
            return isAPIName(name) ? String(name) : nil
        }
        if let open = block.firstIndex(of: "("), block.hasSuffix(")"), !block.contains(". ") {
            let name = block[..<open]
            if isAPIName(name), name.contains(where: \.isLowercase) { return name + "()" }
        }
        guard let first = words.first, isOptionName(first) else { return nil }
        if words.count == 1 { return first.contains("_") || first.contains(".") ? String(first) : nil }
        // "name - TYPE", "name - INTEGER (seconds)".
        if words.count >= 3, words.count <= 5, words[1] == "-", words[2].count >= 3,
            words[2].allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber })
        {
            return String(first)
        }
        return nil
    }

    /// "tcp_dsack (Boolean; default: enabled) Enable RFC 2883 ..." as "tcp_dsack enables RFC 2883 ...";
    /// a man page's error entry "ECONNREFUSED No receiver was associated ..." as "ECONNREFUSED means no
    /// receiver was associated ...".
    static func inline(_ block: String) -> String? {
        guard let space = block.firstIndex(of: " ") else { return nil }
        let name = block[..<space]
        if QueryAnalyzer.errnoNames.contains(String(name)) {
            let rest = block[block.index(after: space)...]
            guard let first = rest.first, first.isUppercase, rest.dropFirst().first?.isLowercase == true else {
                return nil
            }
            return name + " means " + first.lowercased() + rest.dropFirst()
        }
        guard isOptionName(name), name.contains("_") || name.contains("."),
            block[space...].hasPrefix(" ("), let close = block[space...].firstIndex(of: ")"),
            block.distance(from: space, to: close) <= 100
        else { return nil }
        let description = TextNormalization.trim(block[block.index(after: close)...])
        return sentence(name: String(name), description: String(description))
    }

    /// "name <verb>s ..." when `description` opens with a verb; "name is raised ..." for "Raised ...";
    /// "name is an abstract method ..." for "An abstract method ...".
    static func sentence(name: String, description: String) -> String? {
        guard let space = description.firstIndex(of: " ") else { return nil }
        let verb = description[..<space]
        guard verb.first?.isUppercase == true, verb.dropFirst().allSatisfy(\.isLowercase) else { return nil }
        let lower = verb.lowercased()
        let rest = description[space...]
        if participles.contains(lower) || ["a", "an", "the"].contains(lower) {
            return name + " is " + lower + rest
        }
        if verbs.contains(lower) && !lower.hasSuffix("s") {
            return name + " " + thirdPerson(lower) + rest
        }
        for stem in [String(lower.dropLast()), String(lower.dropLast(2)), String(lower.dropLast(3)) + "y"]
        where lower.hasSuffix("s") && verbs.contains(stem) {
            return name + " " + lower + rest
        }
        return nil
    }

    /// "sets", "specifies", "pushes".
    static func thirdPerson(_ verb: String) -> String {
        if verb.hasSuffix("y"), let before = verb.dropLast().last, !"aeiou".contains(before) {
            return verb.dropLast() + "ies"
        }
        if ["s", "sh", "ch", "x", "z", "o"].contains(where: verb.hasSuffix) { return verb + "es" }
        return verb + "s"
    }

    /// `ImportError`, `os.path.join`, `mutex_lock`: letters, digits, `_` and `.`, starting with a letter or `_`.
    static func isAPIName(_ word: some StringProtocol) -> Bool {
        guard let first = word.first, first.isLetter || first == "_", word.count >= 2, word.last != "." else {
            return false
        }
        return word.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "." }
    }

    /// `tcp_congestion_control`, `net.ipv4.tcp_ecn`, `somaxconn`: letters, digits, `_` and `.`, starting with a letter.
    static func isOptionName(_ word: some StringProtocol) -> Bool {
        guard let first = word.first, first.isLetter, word.count >= 3 else { return false }
        return word.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "." }
            && word.contains(where: \.isLowercase) && word.last != "."
    }
}
