import SiftText
import Testing

@Suite("HTMLTextExtractor")
struct HTMLTextExtractorTests {
    let extractor = HTMLTextExtractor()

    @Test("drops navigation, scripts, styles, headers, footers and forms")
    func dropsBoilerplate() {
        let html = """
            <!DOCTYPE html><html><head><title>Thin-streams &amp; TCP &mdash; Docs</title>
            <style>p { color: red }</style><script>var x = "<p>not text</p>";</script></head>
            <body><header><a href="/">Home</a></header>
            <nav><ul><li>Menu item</li></ul></nav>
            <div role="navigation">Breadcrumbs</div>
            <h1>Thin-streams</h1>
            <p>A wide range of services display <em>thin-stream</em> properties.</p>
            <form><input name="q"><button>Search</button></form>
            <footer>© Copyright the authors</footer>
            <noscript>Enable JavaScript</noscript>
            </body></html>
            """
        let document = extractor.extract(html)
        #expect(document.title == "Thin-streams & TCP — Docs")
        #expect(
            document.blocks == [
                .init(kind: .heading(level: 1), text: "Thin-streams"),
                .init(kind: .paragraph, text: "A wide range of services display thin-stream properties."),
            ])
        #expect(document.mainHeading == "Thin-streams")
    }

    @Test("drops Sphinx sidebars, related bars, footers and permalink marks")
    func dropsSphinxChrome() {
        let html = """
            <div class="related" role="navigation"><h3>Navigation</h3><ul><li>next</li></ul></div>
            <div class="document"><div class="body" role="main">
            <section id="socket"><h1>socket — Low-level networking<a class="headerlink" href="#s">¶</a></h1>
            <p>This module provides access to the BSD <em>socket</em> interface.</p>
            <dl class="py function"><dt class="sig"><span class="pre">socket.</span><span class="pre">close</span>(<em>fd</em>)</dt>
            <dd><p>Close a socket file descriptor.</p></dd></dl>
            </section></div></div>
            <div class="sphinxsidebar" role="navigation"><h3>Table of Contents</h3><p>Previous topic</p></div>
            <div class="footer">© Copyright 2001-2023.</div>
            """
        let document = extractor.extract(html)
        #expect(
            document.blocks == [
                .init(kind: .heading(level: 1), text: "socket — Low-level networking"),
                .init(kind: .paragraph, text: "This module provides access to the BSD socket interface."),
                .init(kind: .listItem, text: "socket.close(fd)"),
                .init(kind: .listItem, text: "Close a socket file descriptor."),
            ])
    }

    @Test("keeps only the main content when the page marks it")
    func prefersMainContent() {
        let html = """
            <div class="banner"><p>Subscribe to our newsletter for weekly updates and more.</p></div>
            <main><h2>Photosynthesis</h2><p>Plants convert light into chemical energy.</p></main>
            <div><p>Related links and other things.</p></div>
            """
        let document = extractor.extract(html)
        #expect(document.blocks.map(\.text) == ["Photosynthesis", "Plants convert light into chemical energy."])
    }

    @Test("decodes named and numeric entities, and leaves unknown ones as text")
    func decodesEntities() {
        let document = extractor.extract(
            "<p>a&lt;b &amp;&amp; c&gt;d &quot;q&quot; &#8212; &#x2019; &eacute; &nbsp;x &bogus; AT&T &#0; &#x110000;</p>")
        #expect(document.blocks.first?.text == "a<b && c>d \"q\" — ’ é x &bogus; AT&T \u{FFFD} \u{FFFD}")
    }

    @Test("collapses whitespace outside pre and keeps line breaks inside it")
    func whitespace() {
        let html = "<p>one\n   two\t three</p><pre>\n  let x = 1\n  print(x)   \n</pre><p>after<br>break</p>"
        let document = extractor.extract(html)
        #expect(
            document.blocks == [
                .init(kind: .paragraph, text: "one two three"),
                .init(kind: .preformatted, text: "  let x = 1\n  print(x)"),
                .init(kind: .paragraph, text: "after"),
                .init(kind: .paragraph, text: "break"),
            ])
    }

    @Test("survives malformed HTML", arguments: [
        "<p>unclosed <b>bold <i>italic</p><p>next",
        "text with a lone < sign and </ > junk",
        "<p>before<!-- an unterminated comment",
        "<div><div><div><p>deep</div></div>",
        "</p></div></span>stray end tags",
        "<p class=\"unterminated>oops</p>",
        "<script>never closed",
        "<<<>>>&&&;;;",
        "",
    ])
    func malformed(_ html: String) {
        let document = extractor.extract(html)
        for block in document.blocks {
            #expect(!block.text.isEmpty)
            #expect(!block.text.contains("<p"))
        }
    }

    @Test("reads text from malformed pages sensibly")
    func malformedText() {
        #expect(extractor.extract("<p>unclosed <b>bold</p><p>next").blocks.map(\.text) == ["unclosed bold", "next"])
        #expect(extractor.extract("a < b and c").blocks.map(\.text) == ["a < b and c"])
        #expect(extractor.extract("<p>before<!-- comment").blocks.map(\.text) == ["before"])
        #expect(extractor.extract("<li>one<li>two<li>three").blocks.map(\.text) == ["one", "two", "three"])
        #expect(extractor.extract("<script>never closed").blocks.isEmpty)
    }

    @Test("extracts a large page quickly")
    func largePage() {
        let paragraph = "<p>The quick brown fox &amp; the <a href=\"#\">lazy</a> dog.</p>\n"
        let html = "<html><body><main>" + String(repeating: paragraph, count: 20_000) + "</main></body></html>"
        let document = extractor.extract(Array(html.utf8))
        #expect(document.blocks.count == 20_000)
        #expect(document.blocks.last?.text == "The quick brown fox & the lazy dog.")
    }
}
