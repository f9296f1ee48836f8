import SiftCore
import Testing

@testable import SiftText

@Suite("SentenceForm, OptionDescription, SQLSummary")
struct SentenceFormTests {
    let tokenizer = Tokenizer()

    @Test("How a question spells a phrase: the ASCII path gives the Character path's answer")
    func spellingPaths() {
        #expect(SentenceForm.spelling(of: "rcu", in: "what is RCU?") == "RCU")
        #expect(SentenceForm.spelling(of: "rcu", in: "what is rcus") == nil)
        #expect(SentenceForm.spelling(of: "café", in: "un CAFÉ noir") == "CAFÉ")
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aAbB1 -_.?")
        for _ in 0..<400 {
            func text(_ range: ClosedRange<Int>) -> String {
                String((0..<Int.random(in: range, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            }
            let phrase = text(0...3)
            let query = text(0...16)
            let ascii = SentenceForm.asciiSpelling(of: phrase, in: query)
            let characters = SentenceForm.characterSpelling(of: phrase, in: query)
            #expect(ascii == characters, "\(phrase.debugDescription) in \(query.debugDescription)")
            #expect(ascii?.startIndex.utf16Offset(in: query) == characters?.startIndex.utf16Offset(in: query))
        }
    }

    func role(_ focus: String, _ sentence: String) -> SentenceForm.FocusRole {
        SentenceForm.focusRole(
            of: tokenizer.tokens(in: focus),
            in: SentenceForm.splittingIdentifiers(
                tokenizer.tokens(in: SentenceForm.withoutParentheticals(sentence)), whole: tokenizer.tokens(in: focus)))
    }

    @Test("reads what a sentence does with the focus")
    func roles() {
        #expect(role("photosynthesis", "Photosynthesis is a system of biological processes.") == .defined)
        #expect(role("canberra", "Canberra (KAN-bər-ə) is the capital city of Australia.") == .defined)
        #expect(
            role("ada lovelace", "Augusta Ada King, Countess of Lovelace, also known as Ada Lovelace, was an English mathematician.")
                == .definedLate)
        #expect(role("hamlet", "The Tragedy of Hamlet, Prince of Denmark, often shortened to Hamlet, is a tragedy.") == .definedLate)
        #expect(role("capital of australia", "Canberra is the capital of Australia.") == .named)
        #expect(role("capital of france", "Paris is the capital and largest city of France.") == .named)
        #expect(role("capital of france", "Parisian is a native or inhabitant of Paris, the capital of France.") == .mentioned)
        #expect(role("tcp congestion control", "tcp_congestion_control sets the default algorithm.") == .subject)
        #expect(role("tcp congestion control", "The TCP congestion control is a big and complex topic.") < .definedLate)
        #expect(
            role("tcp congestion control", "Some BPF program types and TCP congestion control are required to be GPL compatible.")
                == .mentioned)
        #expect(role("mutex", "Unlike its original design and purpose, struct mutex is among the largest locks.") == .mentioned)
        #expect(role("spinlock", "raw_spinlock_t is a strict spinning lock implementation.") == .absent)
        #expect(role("sql", "SQL Server is Microsoft SQL Server.") == .mentioned)
        #expect(role("udp", "User Datagram Protocol (UDP) is a simple transport protocol.") == .defined)
    }

    @Test("tells definitions from continuation paragraphs")
    func glosses() {
        #expect(SentenceForm.isGloss("a numerical measure of the uncertainty of an outcome"))
        #expect(SentenceForm.isGloss("The process of constructive metabolism in which green plants utilize light."))
        #expect(SentenceForm.isGloss("(1811-1852) The daughter of Lord Byron, who became the world's first programmer."))
        #expect(!SentenceForm.isGloss("Where p(M) is the probability of message M."))
        #expect(!SentenceForm.isGloss("In green plants water is absorbed by the roots."))
        #expect(!SentenceForm.isGloss("The green pigment chlorophyll is uniquely capable of converting light."))
    }

    @Test("rejects fragments as leads")
    func fragments() {
        #expect(SentenceForm.isFragment("Where p(M) is the probability of message M."))
        #expect(SentenceForm.isFragment("which is used by the kernel."))
        #expect(SentenceForm.isFragment("is absorbed by the roots."))
        #expect(SentenceForm.isFragment("Used by a reader to inform the reclaimer."))
        #expect(SentenceForm.isFragment("He said \"hello to the world."))
        #expect(SentenceForm.isFragment("The following code does it:"))
        #expect(SentenceForm.isFragment("(ftp://nic.stolaf.edu/pub/mutex/MuTeX.tar.Z)."))
        #expect(SentenceForm.isFragment("# ImportError, so try the other path hooks."))
        #expect(SentenceForm.isFragment(">>> squares = [x**2 for x in range(10)]"))
        #expect(!SentenceForm.isFragment("tcp_congestion_control sets the default algorithm."))
        #expect(!SentenceForm.isFragment("Canberra is the capital of Australia."))
        #expect(SentenceForm.isFormula("H(M) = -log2 p(M)"))
        #expect(!SentenceForm.isFormula("if a <= b then"))
        #expect(SentenceForm.codeShare("for (i = 0; i < n; i++) { a[i] = f(x); }") > 0.35)
        #expect(SentenceForm.codeShare("A mutex has two states: locked and unlocked.") < 0.35)
        #expect(!SentenceForm.looksEnglish(tokenizer.tokens(in: "Questo rende più facile la ricerca con grep, e rende più chiaro quale campo viene impostato")))
    }

    @Test("spots licence, copyright, changelog and version notes unless asked about")
    func boilerplate() {
        #expect(SentenceForm.isBoilerplate(tokenizer.tokens(in: "They are required to be GPL compatible."), queryTerms: []))
        #expect(SentenceForm.isBoilerplate(tokenizer.tokens(in: "New in version 3.4."), queryTerms: []))
        #expect(SentenceForm.isBoilerplate(tokenizer.tokens(in: "Changed in version 3.6: raises ImportError."), queryTerms: []))
        #expect(!SentenceForm.isBoilerplate(tokenizer.tokens(in: "The GPL is a licence."), queryTerms: ["gpl", "licence"]))
        #expect(!SentenceForm.isBoilerplate(tokenizer.tokens(in: "A mutex has two states."), queryTerms: []))
    }

    @Test("compares headwords by case only when the case makes another word")
    func caseConflicts() {
        #expect(SentenceForm.caseConflict(headword: "MuTeX", query: "what is a mutex"))
        #expect(SentenceForm.caseConflict(headword: "mutex", query: "what is MuTeX"))
        #expect(!SentenceForm.caseConflict(headword: "mutex", query: "what is a mutex"))
        #expect(!SentenceForm.caseConflict(headword: "Photosynthesis", query: "what is photosynthesis"))
        #expect(!SentenceForm.caseConflict(headword: "TCP", query: "what is tcp"))
        #expect(!SentenceForm.caseConflict(headword: "Canberra", query: "what is the capital of Australia"))
        #expect(!SentenceForm.hasInnerCapitals("capital of France"))
    }

    @Test("uses the focus's most shared run when the whole focus is nowhere")
    func effectiveFocus() {
        let texts = [["with", "a", "list", "comprehension", "you", "get", "a", "python", "list"], ["list", "comprehension"]]
        #expect(SentenceForm.effectiveFocus(["python", "list", "comprehension"], in: texts) == ["list", "comprehension"])
        #expect(SentenceForm.effectiveFocus(["tcp", "congestion", "control"], in: [["tcp", "congestion", "control"]]).count == 3)
    }

    @Test(
        "joins option and API headers to their descriptions",
        arguments: [
            (
                ["tcp_congestion_control - STRING", "Set the congestion control algorithm to be used for new connections."],
                "tcp_congestion_control sets the congestion control algorithm to be used for new connections."
            ),
            (
                ["tcp_dsack (Boolean; default: enabled; since Linux 2.4) Enable RFC 2883 TCP Duplicate SACK support."],
                "tcp_dsack enables RFC 2883 TCP Duplicate SACK support."
            ),
            (
                ["exception ImportError", "Raised when the import statement has troubles trying to load a module."],
                "ImportError is raised when the import statement has troubles trying to load a module."
            ),
            (
                ["exec_module(module)", "An abstract method that executes the module in its own namespace."],
                "exec_module() is an abstract method that executes the module in its own namespace."
            ),
            (
                ["ECONNREFUSED No receiver was associated with the destination address."],
                "ECONNREFUSED means no receiver was associated with the destination address."
            ),
            (["tcp_ecn - INTEGER", "Possible values are:"], "Possible values are:"),
            (["Plain prose stays as it is."], "Plain prose stays as it is."),
        ])
    func options(_ blocks: [String], _ expected: String) {
        #expect(OptionDescription.joiningHeaders(blocks) == [expected])
    }

    @Test(
        "reads simple SQL statements in plain words",
        arguments: [
            ("SELECT name FROM users WHERE id = 1", "This SQL query reads the name column of the users table for rows where id is 1."),
            (
                "SELECT name, email FROM users WHERE id = 42;",
                "This SQL query reads the name and email columns of the users table for rows where id is 42."
            ),
            (
                "select * from orders where total > 100 order by total desc limit 5",
                "This SQL query reads every column of the orders table for rows where total is greater than 100, sorted by total in descending order, keeping at most 5 rows."
            ),
            ("SELECT COUNT(*) FROM users", "This SQL query computes COUNT(*) over the users table."),
            (
                "INSERT INTO users (name, email) VALUES ('a', 'b')",
                "This SQL statement adds a row to the users table, setting name and email."
            ),
            (
                "UPDATE users SET name = 'x' WHERE id = 3",
                "This SQL statement sets name to 'x' in the users table for rows where id is 3."
            ),
            ("DELETE FROM accounts WHERE 1=1", "This SQL statement deletes the rows of the accounts table where 1 is 1."),
            (
                "SELECT * FROM users; DROP TABLE users; --",
                "This SQL query reads every column of the users table. Then it deletes the users table and all its rows."
            ),
            (
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
                "This SQL statement creates a table named t with the columns id and name."
            ),
        ])
    func sql(_ statement: String, _ expected: String) {
        #expect(SQLSummary(statement).text == expected)
    }

    @Test("does not pretend to read SQL it does not understand")
    func unreadSQL() {
        #expect(SQLSummary("'; DELETE FROM accounts WHERE 1=1; --").text == nil)
        #expect(SQLSummary("SELECT a FROM t WHERE x IN (SELECT y FROM u WHERE z = 1) AND w").text == nil)
    }

    @Test("an SQL statement is about SQL; who-wrote questions are about the work")
    func analyzer() throws {
        let analyzer = QueryAnalyzer()
        #expect(try analyzer.analyze("SELECT name FROM users WHERE id = 1").terms.contains("sql"))
        #expect(try !analyzer.analyze("select the best laptop from amazon").terms.contains("sql"))
        #expect(try analyzer.analyze("who wrote Hamlet").focus == "hamlet")
        let error = try analyzer.analyze("ImportError: No module named requests")
        #expect(SentenceForm.technicalFocus(error) == ["importerror"])
        #expect(SentenceForm.technicalFocus(try analyzer.analyze("connect ECONNREFUSED 127.0.0.1:5432")) == ["econnrefused"])
    }
}
