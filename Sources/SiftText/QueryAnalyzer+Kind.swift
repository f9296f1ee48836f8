import SiftCore

// Kind detection: error log, arithmetic, code, question, keywords (checked in that order).
extension QueryAnalyzer {
    /// Words that open a question or a request for an explanation.
    static let questionStarters: Set<String> = [
        "what", "what's", "whats", "who", "who's", "whom", "whose", "where", "where's", "when", "when's", "why",
        "which", "how", "how's", "can", "could", "is", "are", "was", "were", "do", "does", "did", "should",
        "would", "will", "has", "have", "had", "explain", "define", "describe", "tell", "compare", "list", "name",
        "give", "shall", "may", "might", "isn't", "aren't", "doesn't", "don't", "didn't", "can't",
    ]

    /// errno names that mark a pasted error ("connect ECONNREFUSED 127.0.0.1:5432").
    static let errnoNames: Set<String> = [
        "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN",
        "ENOMEM", "EACCES", "EFAULT", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL",
        "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM",
        "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", "EWOULDBLOCK", "ENOMSG",
        "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "EOPNOTSUPP",
        "ENOTSUP", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET",
        "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ETIMEDOUT", "ECONNREFUSED",
        "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EDQUOT", "ECANCELED", "EOVERFLOW",
        "EPROTO", "EILSEQ", "SIGSEGV", "SIGABRT", "SIGKILL", "SIGBUS", "SIGILL", "SIGFPE", "SIGPIPE",
    ]

    /// Phrases typical of pasted errors, weak alone: a question about them stays a question.
    static let weakErrorPhrases = [
        "segmentation fault", "segfault", "stack trace", "stacktrace", "backtrace", "connection refused",
        "permission denied", "no such file or directory", "command not found", "undefined reference to",
        "cannot find symbol", "syntax error", "unexpected token", "out of memory", "oom-killer", "killed process",
        "non-zero exit status", "exit status", "exit code", "unhandled exception", "uncaught", "npm err!",
        "errno", "is not defined", "null pointer", "access violation", "stack overflow error",
    ]

    /// Phrases that only occur in pasted error output.
    static let strongErrorPhrases = [
        "traceback (most recent call last)", "exception in thread", "panicked at", "core dumped",
        "fatal error:", "kernel panic", "unhandled rejection", "goroutine ",
    ]

    /// Commands that mark a shell line.
    static let shellCommands: Set<String> = [
        "grep", "egrep", "rg", "awk", "sed", "sort", "uniq", "xargs", "head", "tail", "wc", "cut", "tr", "jq",
        "cat", "ps", "ls", "find", "echo", "curl", "wget", "docker", "kubectl", "git", "tee", "less", "systemctl",
        "journalctl", "apt", "apt-get", "pip", "pip3", "npm", "chmod", "chown", "tar", "ssh", "scp", "rsync",
        "make", "cmake", "gcc", "clang", "swift", "python", "python3", "node", "ln", "cp", "mv", "rm", "mkdir",
        "du", "df", "kill", "netstat", "ss", "ip", "iptables", "openssl", "dd", "mount", "strace", "sudo",
        "cargo", "go", "java", "javac", "brew", "dnf", "yum", "export", "chroot", "nc", "lsof", "xxd",
    ]

    func detectKind(normalized: String, raw: String) -> QueryKind {
        let questionForm = Self.isQuestionForm(normalized)
        let errors = Self.errorSignals(raw)
        if errors.strong || (errors.weak && !questionForm) {
            return .errorLog
        }
        if ArithmeticExpression(query: normalized) != nil {
            return .arithmetic
        }
        let code = Self.codeSignals(raw)
        let wordCount = normalized.split(separator: " ").count
        if code.strong > 0 || code.medium >= 2 || (code.medium == 1 && !questionForm && wordCount <= 12) {
            return .code
        }
        return questionForm ? .question : .keywords
    }

    /// Whether `text` reads as a question: it ends with "?" or opens with a question word.
    static func isQuestionForm(_ text: String) -> Bool {
        if text.hasSuffix("?") { return true }
        guard let first = text.split(separator: " ", maxSplits: 1).first else { return false }
        let word = first.lowercased().replacing("’", with: "'").droppingSuffix { ",:;".contains($0) }
        return questionStarters.contains(String(word))
    }

    static func errorSignals(_ raw: String) -> (strong: Bool, weak: Bool) {
        let lower = raw.lowercased()
        if lower.contains(anyOf: strongErrorPhrases) {
            return (true, true)
        }
        // Frames: Python `File "x.py", line 3`, Java/JS `at pkg.Type.method(File.java:12)`, gdb `#0 0x...`.
        if lower.contains(text: "file \""), lower.contains(text: "\", line ") { return (true, true) }
        for line in raw.split(whereSeparator: \.isNewline) {
            let t = TextNormalization.trim(line)
            if t.hasPrefix("at "), t.contains("("), t.contains(":") { return (true, true) }
            if t.hasPrefix("#"), let rest = Optional(t.dropFirst().drop(while: \.isNumber)),
                rest.count < t.count - 1, rest.hasPrefix(" 0x")
            {
                return (true, true)
            }
        }
        // Words: `TypeError:`, `java.lang.NullPointerException:`, `error:`, `error[E0382]:`, `panic:`, `fatal:`.
        var weak = false
        for word in raw.split(whereSeparator: { $0.isWhitespace }) {
            let lowerWord = word.lowercased()
            if lowerWord.hasSuffix(":") {
                let stem = lowerWord.dropLast()
                if stem == "error" || stem == "panic" || stem == "fatal" || stem.hasSuffix("error")
                    || stem.hasSuffix("exception") || (stem.hasPrefix("error[") && stem.hasSuffix("]"))
                {
                    return (true, true)
                }
            }
            let bare = word.trimmingPrefix { !$0.isLetter }.droppingSuffix { !$0.isLetter && !$0.isNumber }
            if errnoNames.contains(String(bare)) { weak = true }
            if bare.count > 5, bare.first?.isUppercase == true,
                bare.hasSuffix("Error") || bare.hasSuffix("Exception")
            {
                weak = true
            }
            if bare == "ERROR" || bare == "FATAL" || bare == "CRITICAL" { weak = true }
        }
        if !weak { weak = lower.contains(anyOf: weakErrorPhrases) }
        return (false, weak)
    }

    static func codeSignals(_ raw: String) -> (strong: Int, medium: Int) {
        var strong = 0
        var medium = 0
        let lower = raw.lowercased()
        let words = raw.split(whereSeparator: { $0.isWhitespace })
        let lowerWords = words.map { $0.lowercased() }

        if raw.contains(text: "```") || lower.contains(text: "#include") || lower.contains(text: "#define") || raw.hasPrefix("#!/")
            || lower.contains(text: "<?php")
        {
            strong += 1
        }
        if isSQL(raw: raw, lowerWords: lowerWords) { strong += 1 }
        // Definitions: `def f(`, `func f(`, `class Foo:`, `struct Foo {`.
        for (i, word) in lowerWords.enumerated() where i + 1 < words.count {
            let next = words[i + 1]
            switch word {
            case "def", "func", "fn", "function", "fun", "sub", "void", "int", "static":
                if let paren = next.firstIndex(of: "("), paren > next.startIndex,
                    next[..<paren].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                {
                    strong += 1
                }
            case "class", "struct", "enum", "interface", "trait", "impl", "protocol":
                let tail = i + 2 < words.count ? words[i + 2] : ""
                if next.hasSuffix(":") || next.contains("(") || next.contains("<") || next.contains("{")
                    || tail.hasPrefix("{") || tail.hasPrefix(":")
                {
                    strong += 1
                }
            default: break
            }
        }
        if let open = raw.firstIndex(of: "{"), let close = raw.lastIndex(of: "}"), open < close { strong += 1 }
        if raw.contains(text: ");") || (raw.contains(";") && (raw.contains("=") || raw.contains("("))) { strong += 1 }
        if hasMemberCall(raw) { strong += 1 }
        strong += shellStrength(words: lowerWords, raw: raw)

        for op in ["==", "!=", "=>", "->", "::", "+=", "-=", ":=", "&&", "||"] where raw.contains(text: op) {
            medium += 1
            break
        }
        if hasAssignment(words) { medium += 1 }
        if hasCall(raw) { medium += 1 }
        if let first = lowerWords.first {
            let declares = ["let", "var", "const", "val"].contains(first) && raw.contains("=")
            let imports =
                first == "import"
                && (lowerWords.count == 2 || lowerWords[1].contains(".") || lowerWords.contains("as"))
            let fromImport = first == "from" && lowerWords.contains("import")
            let statement = ["return", "package", "using", "namespace"].contains(first) && raw.hasSuffix(";")
            if declares || imports || fromImport || statement { medium += 1 }
        }
        if raw.hasSuffix(";") { medium += 1 }
        if raw.contains(text: "\n    ") || raw.contains(text: "\n\t") { medium += 1 }
        return (strong, medium)
    }

    /// SQL: upper-case `SELECT ... FROM`, or `select ... from` with SQL punctuation or clauses; DDL and DML.
    static func isSQL(_ raw: String) -> Bool {
        isSQL(raw: raw, lowerWords: raw.split(whereSeparator: { $0.isWhitespace }).map { $0.lowercased() })
    }

    private static func isSQL(raw: String, lowerWords: [String]) -> Bool {
        func index(of word: String, after start: Int = 0) -> Int? {
            guard start < lowerWords.count else { return nil }
            return lowerWords[start...].firstIndex(of: word)
        }
        if let s = index(of: "select"), let f = index(of: "from", after: s + 1), f + 1 < lowerWords.count {
            if raw.contains(text: "SELECT") && raw.contains(text: "FROM") { return true }
            let clauses = ["where", "join", "group", "order", "limit", "having", "union"]
            if raw.contains("*") || raw.contains(",") || raw.contains(";") || raw.contains("=")
                || lowerWords.contains(where: { clauses.contains($0) })
            {
                return true
            }
        }
        let joined = lowerWords.joined(separator: " ")
        for phrase in ["insert into", "create table", "create index", "alter table", "drop table", "create view"]
        where joined.contains(text: phrase) {
            return true
        }
        if joined.contains(text: "delete from"), joined.contains(text: " where ") { return true }
        if lowerWords.first == "update", lowerWords.contains("set"), raw.contains("=") { return true }
        return false
    }

    /// `console.log(`, `os.path.join(`: a dotted identifier followed by `(`.
    private static func hasMemberCall(_ raw: String) -> Bool {
        var word = ""
        for c in raw {
            if c == "(" {
                let parts = word.split(separator: ".", omittingEmptySubsequences: false)
                if parts.count >= 2,
                    parts.allSatisfy({ part in
                        guard let f = part.first, f.isLetter || f == "_" else { return false }
                        return part.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
                    })
                {
                    return true
                }
                word = ""
            } else if c.isLetter || c.isNumber || c == "_" || c == "." {
                word.append(c)
            } else {
                word = ""
            }
        }
        return false
    }

    /// `malloc(size)`, `printf()`: an identifier directly followed by `(` with a `)` later.
    private static func hasCall(_ raw: String) -> Bool {
        var previous: Character = " "
        var sawOpen = false
        for c in raw {
            if c == "(" && (previous.isLetter || previous.isNumber || previous == "_") { sawOpen = true }
            if c == ")" && sawOpen { return true }
            previous = c
        }
        return false
    }

    /// `x = 5`, `name = "sift"`: an identifier, a lone `=`, and a value.
    private static func hasAssignment(_ words: [Substring]) -> Bool {
        for (i, word) in words.enumerated() where word == "=" && i > 0 && i + 1 < words.count {
            let lhs = words[i - 1]
            if let f = lhs.first, f.isLetter || f == "_",
                lhs.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "]" || $0 == "[" })
            {
                return true
            }
        }
        return false
    }

    private static func isCommandOption(_ word: String) -> Bool {
        word.hasPrefix("--") || (word.count >= 2 && word.hasPrefix("-") && word.dropFirst().first?.isLetter == true)
    }

    /// One point each for a pipe into a known command, a shell prompt or redirection, and a command line with options.
    private static func shellStrength(words: [String], raw: String) -> Int {
        var strength = 0
        for (i, word) in words.enumerated() where word == "|" && i + 1 < words.count {
            if shellCommands.contains(words[i + 1]) || (i > 0 && shellCommands.contains(words[i - 1])) {
                strength += 1
                break
            }
        }
        if raw.hasPrefix("$ ") || raw.hasPrefix("sudo ") || raw.contains(text: "2>&1") { strength += 1 }
        if let first = words.first, shellCommands.contains(first), words.count >= 2,
            words.dropFirst().contains(where: isCommandOption),
            !isQuestionForm(raw)
        {
            strength += 1
        }
        return strength
    }
}

extension StringProtocol {
    /// The text without the trailing characters matching `predicate`.
    func droppingSuffix(while predicate: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex {
            let before = index(before: end)
            guard predicate(self[before]) else { break }
            end = before
        }
        return self[startIndex..<end]
    }
}
