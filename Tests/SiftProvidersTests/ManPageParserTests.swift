import SiftText
import Testing

@testable import SiftProviders

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("man pages")
struct ManPageParserTests {
    static let fixture = #"""
        .\" Copyright and license comments
        .TH TCP 7 2021-03-22 "Linux" "Linux Programmer's Manual"
        .de XX
        .  some macro body that must not show
        ..
        .ie n .ds Aq '
        .el .ds Aq \(aq
        .if n \{\
        .  text inside a conditional
        .\}
        .SH NAME
        tcp \- TCP protocol
        .SH SYNOPSIS
        .nf
        .B #include <sys/socket.h>
        .PP
        .IB tcp_socket " = socket(AF_INET, SOCK_STREAM, 0);"
        .fi
        .SH DESCRIPTION
        This is an implementation of the TCP protocol defined in
        RFC\ 793, RFC\ 1122 and RFC\ 2001 with the NewReno and SACK
        extensions. \" a trailing comment
        It provides a \fIreliable\fP, stream-oriented,
        .BR full-duplex " connection" .
        .SS Congestion control
        .TP
        .IR tcp_congestion_control " (String; default: see text)"
        Set the default congestion\-control algorithm \(em used for new
        connections.
        .IP \(bu 2
        The \[lq]cubic\[rq] algorithm is the default.
        .TS
        tab(:);
        l l.
        Name:Value
        reno:1
        .TE
        """#

    @Test("strips macros, escapes and conditionals, keeping headings and paragraphs")
    func parse() {
        let page = ManPageParser.parse(Self.fixture, name: "tcp", section: "7")
        #expect(page.name == "tcp")
        #expect(page.summary == "TCP protocol")
        let blocks = page.document.blocks
        #expect(
            blocks == [
                .init(kind: .heading(level: 2), text: "NAME"),
                .init(kind: .paragraph, text: "tcp - TCP protocol"),
                .init(kind: .heading(level: 2), text: "SYNOPSIS"),
                .init(
                    kind: .preformatted,
                    text: "#include <sys/socket.h>\n\ntcp_socket = socket(AF_INET, SOCK_STREAM, 0);"),
                .init(kind: .heading(level: 2), text: "DESCRIPTION"),
                .init(
                    kind: .paragraph,
                    text:
                        "This is an implementation of the TCP protocol defined in RFC 793, RFC 1122 and RFC 2001 with the NewReno and SACK extensions. It provides a reliable, stream-oriented, full-duplex connection."
                ),
                .init(kind: .heading(level: 3), text: "Congestion control"),
                .init(
                    kind: .paragraph,
                    text:
                        "tcp_congestion_control (String; default: see text) Set the default congestion-control algorithm — used for new connections."
                ),
                .init(kind: .paragraph, text: "The “cubic” algorithm is the default."),
                .init(kind: .preformatted, text: "Name | Value\nreno | 1"),
            ])
        for block in blocks {
            #expect(!block.text.contains("macro body"))
            #expect(!block.text.contains("conditional"))
            #expect(!block.text.contains("\\f"))
        }
    }

    @Test("unescapes groff escapes", arguments: [
        (#"\fBbold\fR and \f(CWcode\fP"#, "bold and code"),
        (#"a\-b \(em c \[aq]d\[aq] \*(lqq\*(rq"#, "a-b — c 'd' “q”"),
        (#"\s-1SMALL\s0 size\&."#, "SMALL size."),
        (#"\[u00E9]t\[u00E9] \e \\ done"#, "été \\ \\ done"),
        (#"text \" comment"#, "text"),
        (#"\h'2n'\v'1'moved\c"#, "moved"),
    ])
    func unescape(_ source: String, _ expected: String) {
        #expect(ManPageParser.unescape(Substring(source)) == expected)
    }

    @Test("splits macro arguments with quotes")
    func arguments() {
        #expect(ManPageParser.arguments(#"one "two words" "say ""hi""" three"#) == ["one", "two words", "say \"hi\"", "three"])
    }

    @Test("recognizes .so redirects")
    func redirect() {
        #expect(KnowledgeBaseSource.isRedirect(".so man7/other.7\n"))
        #expect(!KnowledgeBaseSource.isRedirect(Self.fixture))
    }

    @Test(.enabled(if: access("/usr/share/man/man7/tcp.7.gz", R_OK) == 0, "needs the manpages package"))
    func realTCPPageTalksAboutCongestionControl() throws {
        let source = KnowledgeBaseSource.manPages()
        let file = FoundFile(
            relativePath: "tcp.7.gz", info: try #require(FileSystem.info("/usr/share/man/man7/tcp.7.gz")))
        let document = try #require(
            try source.document(for: file, root: "/usr/share/man/man7", splitter: PassageSplitter()))
        #expect(document.title == "tcp(7) — TCP protocol")
        #expect(document.url == "kb://man7/tcp.7")
        let congestion = document.passages.filter { $0.text.lowercased().contains("congestion control") }
        #expect(congestion.count >= 2)
        for passage in document.passages {
            #expect(!passage.text.contains("\\f"))
            #expect(!passage.text.contains(".TP"))
            #expect(PassageSplitter.wordCount(passage.text) <= 150)
        }
    }
}
