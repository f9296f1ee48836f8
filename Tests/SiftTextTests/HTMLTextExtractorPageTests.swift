import SiftText
import Testing

/// Whole pages as sites build them, with no `<main>` or `<article>` to go by.
@Suite("HTMLTextExtractor on real-world page shapes")
struct HTMLTextExtractorPageTests {
    let extractor = HTMLTextExtractor()

    static let newsArticle = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>City council approves new bike lanes | The Daily Ledger</title>
        <script>window.dataLayer = [];</script></head>
        <body class="single has-sidebar">
        <div id="cookie-banner" class="cookie-consent">
          <p>We use cookies to improve your experience. By continuing to browse you accept our cookie policy.</p>
          <a href="/privacy">Learn more</a> <a href="#" class="btn">Accept all</a>
        </div>
        <div class="site-header">
          <div class="logo"><a href="/"><img src="/logo.svg" alt="">The Daily Ledger</a></div>
          <ul class="top-links"><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
          <li><a href="/opinion">Opinion</a></li><li><a href="/weather">Weather</a></li></ul>
        </div>
        <div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a> › Local</div>
        <div class="story-wrapper">
          <div class="article-header">
            <h1>City council approves new bike lanes</h1>
            <p class="byline">By Maria Lopez · 12 March 2024</p>
          </div>
          <div class="share-bar"><a href="https://x.com/share">Share on X</a> <a href="https://facebook.com/sharer">Facebook</a>
            <a href="mailto:?subject=Bike%20lanes">Email</a></div>
          <div class="story-body">
            <p>The city council voted 7 to 2 on Tuesday to build twelve kilometres of protected bike lanes along the
            river, the largest cycling project in the city's history.</p>
            <p>Construction starts in September and should be finished by the end of next year, the transport
            department said.</p>
            <div class="ad-slot"><p>Advertisement</p></div>
            <h2>What changes for drivers</h2>
            <p>Forty parking spaces on River Street will go; the council points drivers to the
            <a href="/parking">new garage on Mill Road</a>, which opens in August.</p>
          </div>
          <div class="newsletter-signup"><h3>Get the morning briefing</h3>
            <p>Sign up for our free newsletter and get the top stories in your inbox every morning.</p>
            <form><input type="email"><button>Subscribe</button></form></div>
          <div class="related-articles"><h3>Related stories</h3><ul>
            <li><a href="/a">Bridge repairs to start in May after years of delay</a></li>
            <li><a href="/b">Bus fares frozen for another year</a></li>
            <li><a href="/c">Residents split over River Street plan</a></li></ul></div>
          <div id="comments" class="comments-area"><h3>3 comments</h3>
            <div class="comment"><p class="comment-author">Sam</p><p>Finally! I have been waiting for this for years.</p></div>
            <div class="comment"><p class="comment-author">Lee</p><p>What about the parking on River Street?</p></div>
          </div>
        </div>
        <div class="tag-list"><a href="/tag/cycling">cycling</a> <a href="/tag/transport">transport</a>
          <a href="/tag/council">city council</a> <a href="/tag/environment">environment</a></div>
        <div class="footer-links"><a href="/about">About us</a> <a href="/contact">Contact</a> <a href="/jobs">Jobs</a></div>
        <div id="footer"><p>© 2024 The Daily Ledger. All rights reserved.</p></div>
        </body></html>
        """

    @Test("a news article keeps its story and drops the banner, share bar, ads, related links and comments")
    func newsArticle() {
        let document = extractor.extract(Self.newsArticle)
        #expect(document.title == "City council approves new bike lanes | The Daily Ledger")
        #expect(document.mainHeading == "City council approves new bike lanes")
        #expect(
            document.blocks == [
                .init(kind: .heading(level: 1), text: "City council approves new bike lanes"),
                .init(kind: .paragraph, text: "By Maria Lopez · 12 March 2024"),
                .init(
                    kind: .paragraph,
                    text:
                        "The city council voted 7 to 2 on Tuesday to build twelve kilometres of protected bike lanes along the river, the largest cycling project in the city's history."
                ),
                .init(
                    kind: .paragraph,
                    text:
                        "Construction starts in September and should be finished by the end of next year, the transport department said."
                ),
                .init(kind: .heading(level: 2), text: "What changes for drivers"),
                .init(
                    kind: .paragraph,
                    text:
                        "Forty parking spaces on River Street will go; the council points drivers to the new garage on Mill Road, which opens in August."
                ),
            ])
        let text = document.text
        for dropped in [
            "cookies", "Accept all", "Daily Ledger", "Weather", "Home", "Share on X", "Advertisement", "newsletter",
            "Bridge repairs", "Finally!", "environment", "About us", "All rights reserved",
        ] {
            #expect(!text.contains(dropped), "\(dropped)")
        }
    }

    static let blogPost = """
        <html><head><title>Sourdough at high altitude – Crumb Notes</title></head>
        <body class="post-template-default single-post content-sidebar">
        <header class="site-header"><div class="title-area"><p class="site-title"><a href="/">Crumb Notes</a></p>
          <p class="site-description">Bread, mostly</p></div>
          <nav class="nav-primary"><ul class="menu"><li class="menu-item"><a href="/">Home</a></li>
          <li class="menu-item"><a href="/recipes">Recipes</a></li></ul></nav></header>
        <div class="site-inner"><div class="content-sidebar-wrap">
          <div class="content">
            <div class="entry post-812">
              <div class="entry-header"><h1 class="entry-title">Sourdough at high altitude</h1>
                <p class="entry-meta">Posted on June 3, 2024 by Ana</p></div>
              <div class="entry-content">
                <p>At 1,600 metres water boils at about 95 °C and dough rises faster, so a recipe that works at sea
                level over-proofs and collapses in the oven.</p>
                <h2>Why altitude matters</h2>
                <p>Lower air pressure lets the gas in the dough expand more, and flour dries out sooner.</p>
                <ul><li>Use about 10% less starter.</li><li>Add 2 to 4 tablespoons more water per loaf.</li>
                <li>Shorten the bulk rise and watch the dough, not the clock.</li></ul>
              </div>
              <div class="entry-footer"><span class="tags">Tagged <a href="/t/bread">bread</a>, <a href="/t/baking">baking</a></span></div>
              <div class="post-navigation"><a href="/rye">← Rye starter basics</a> <a href="/focaccia">Focaccia in a hurry →</a></div>
            </div>
            <div id="respond" class="comment-respond"><h3>Leave a Reply</h3><p>Your email address will not be published.</p></div>
          </div>
          <div class="sidebar-primary widget-area">
            <div class="widget"><h3 class="widget-title">About me</h3>
              <p>I bake bread in Denver at 1,600 metres and write down what works and what does not.</p></div>
            <div class="widget"><h3 class="widget-title">Recent posts</h3><ul><li><a href="/1">Rye starter basics</a></li>
              <li><a href="/2">Focaccia in a hurry</a></li></ul></div>
          </div>
        </div></div>
        <div class="site-footer"><p>Copyright © 2024 Crumb Notes · Powered by WordPress</p></div>
        </body></html>
        """

    @Test("a blog post keeps its entry and drops the sidebar widgets, post navigation and comment form")
    func blogPost() {
        let document = extractor.extract(Self.blogPost)
        #expect(document.mainHeading == "Sourdough at high altitude")
        #expect(
            document.blocks.map(\.text) == [
                "Sourdough at high altitude",
                "Posted on June 3, 2024 by Ana",
                "At 1,600 metres water boils at about 95 °C and dough rises faster, so a recipe that works at sea level over-proofs and collapses in the oven.",
                "Why altitude matters",
                "Lower air pressure lets the gas in the dough expand more, and flour dries out sooner.",
                "Use about 10% less starter.",
                "Add 2 to 4 tablespoons more water per loaf.",
                "Shorten the bulk rise and watch the dough, not the clock.",
            ])
        #expect(document.blocks[5].kind == .listItem)
    }

    static let docsPage = """
        <!DOCTYPE html><html><head><title>Configuration — MyLib 2.1 documentation</title></head><body>
        <div class="navbar navbar-default"><a href="/">MyLib</a> <a href="/docs">Docs</a> <a href="/api">API</a>
          <a href="https://github.com/example/mylib">GitHub</a></div>
        <div class="container"><div class="row">
          <div class="col-md-3 docs-sidebar"><ul class="toc"><li><a href="install.html">Installation</a></li>
            <li><a href="config.html">Configuration</a></li><li><a href="deploy.html">Deployment</a></li></ul></div>
          <div class="col-md-9 docs-content">
            <div class="page-header"><h1>Configuration</h1></div>
            <p>MyLib reads its settings from <code>mylib.toml</code> in the working directory, then from the
            environment.</p>
            <div class="admonition note"><p class="admonition-title">Note</p><p>Keys are case-sensitive.</p></div>
            <div class="section" id="cookie-handling"><h2 id="cookies">Cookie handling</h2>
              <p>Set <code>cookie_jar</code> to a path to keep cookies between runs; leave it out to keep them in memory.</p></div>
            <h2>Options</h2>
            <table class="docutils options"><tr><th>Key</th><th>Default</th><th>Meaning</th></tr>
              <tr><td><a href="#timeout">timeout</a></td><td>30</td><td>Seconds before a request gives up</td></tr>
              <tr><td><a href="#retries">retries</a></td><td>3</td><td>Attempts for a failed idempotent request</td></tr></table>
            <pre><code>[server]
        port = 8080  # see <a href="#port">port</a>
        </code></pre>
            <div class="pager"><a href="install.html">← Installation</a> <a href="deploy.html">Deployment →</a></div>
          </div>
        </div></div>
        <div class="footer">© 2024 MyLib authors. Built with a static site generator.</div>
        </body></html>
        """

    @Test("a docs page keeps prose, tables and code, and drops its navbar, table of contents and pager")
    func docsPage() {
        let document = extractor.extract(Self.docsPage)
        #expect(
            document.blocks == [
                .init(kind: .heading(level: 1), text: "Configuration"),
                .init(
                    kind: .paragraph,
                    text: "MyLib reads its settings from mylib.toml in the working directory, then from the environment."),
                .init(kind: .paragraph, text: "Note"),
                .init(kind: .paragraph, text: "Keys are case-sensitive."),
                .init(kind: .heading(level: 2), text: "Cookie handling"),
                .init(
                    kind: .paragraph,
                    text: "Set cookie_jar to a path to keep cookies between runs; leave it out to keep them in memory."),
                .init(kind: .heading(level: 2), text: "Options"),
                .init(kind: .paragraph, text: "Key Default Meaning"),
                .init(kind: .paragraph, text: "timeout 30 Seconds before a request gives up"),
                .init(kind: .paragraph, text: "retries 3 Attempts for a failed idempotent request"),
                .init(kind: .preformatted, text: "[server]\nport = 8080  # see port"),
            ])
    }

    @Test("header blocks go unless they name content or hold a heading")
    func headers() {
        let html = """
            <div class="header"><a href="/">Home</a> <span>Welcome back!</span></div>
            <div id="masthead"><p>The Weekly Bugle, since 1921</p></div>
            <div class="card"><div class="card-header"><h4>Pro plan</h4></div><p>Everything in Free, plus support.</p></div>
            <header class="entry-header"><h1>Post title</h1></header>
            <header><p>Site tagline in a bare header element</p></header>
            <div class="page-header"><p class="lead">A lead paragraph in a page header.</p></div>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "Pro plan", "Everything in Free, plus support.", "Post title", "A lead paragraph in a page header.",
            ])
    }

    @Test("names that describe a layout or a state never drop the page")
    func layoutNames() {
        let paragraph = "<p>Readable content that must survive whatever its wrappers are called.</p>"
        for wrapper in [
            "<body class=\"has-sidebar sidebar-left\">", "<body><div class=\"wy-grid-for-nav\">",
            "<body><div class=\"content-sidebar-wrap\">", "<body><div id=\"page\" class=\"with-sidebar menu-open\">",
            "<body><div class=\"no-comments\">",
        ] {
            #expect(extractor.extract(wrapper + paragraph).blocks.map(\.text) == [
                "Readable content that must survive whatever its wrappers are called.",
            ], "\(wrapper)")
        }
    }

    @Test("class words are found in dashed, underscored and camelCase names, on containers only")
    func classWords() {
        let html = """
            <div class="cookieBanner">We use cookies.</div><div class="social_share">Share this</div>
            <div class="js-relatedPosts">More like this</div><div class="promo2024">Half price today only</div>
            <aside class="adContainer">Buy now</aside><div class="gdpr-notice">Consent please</div>
            <p class="share-note">A paragraph is never dropped for its class words.</p>
            <ul><li class="comment">A list item neither.</li></ul>
            <div class="commentary">Commentary is not a comment.</div>
            <div class="shared-memory">Shared memory is not sharing.</div>
            <div class="menuselection">Neither is a menu selection.</div>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "A paragraph is never dropped for its class words.", "A list item neither.", "Commentary is not a comment.",
                "Shared memory is not sharing.", "Neither is a menu selection.",
            ])
    }

    @Test("ids that come from headings, and ids on items and tables, are not read")
    func headingIDs() {
        let html = """
            <section id="comments"><h2>Comments</h2><p>A line starting with # is a comment in TOML.</p></section>
            <dl id="http.cookiejar.CookieJar"><dt id="socket.socket.share">socket.share(process_id)</dt>
            <dd><p>Duplicate a socket and prepare it for sharing with a target process.</p></dd></dl>
            <table id="related-options"><tr><td>Related options are listed here.</td></tr></table>
            <div id="cookie-notice"><p>This site uses cookies.</p></div>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "Comments", "A line starting with # is a comment in TOML.", "socket.share(process_id)",
                "Duplicate a socket and prepare it for sharing with a target process.", "Related options are listed here.",
            ])
    }

    @Test("link lists go, prose with links stays, and a linked title stays")
    func linkDensity() {
        let html = """
            <div class="post-title"><h2><a href="/p/1">Why we moved to Swift on the server</a></h2></div>
            <p>We <a href="/a">rewrote</a> the indexer in Swift last year. It now handles <a href="/b">twice the load</a>
            on the same machines, and the code is half as long.</p>
            <ul><li><a href="/x">Home</a></li><li><a href="/y">Blog</a></li><li><a href="/z">About</a></li></ul>
            <div><a href="/t/swift">swift</a> · <a href="/t/server">server</a> · <a href="/t/perf">performance</a></div>
            <div>Next: <a href="/p/2">Profiling async code</a> Previous: <a href="/p/0">Hello</a></div>
            <ul><li><a href="/docs/a">fetch(url:)</a> loads a page and returns its bytes and headers.</li>
            <li><a href="/docs/b">parse(_:)</a> turns the bytes into a readable document for the ranker.</li></ul>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "Why we moved to Swift on the server",
                "We rewrote the indexer in Swift last year. It now handles twice the load on the same machines, and the code is half as long.",
                "fetch(url:) loads a page and returns its bytes and headers.",
                "parse(_:) turns the bytes into a readable document for the ranker.",
            ])
    }

    @Test("inside marked main content, lists of links are content; boilerplate names still go")
    func insideMain() {
        let html = """
            <nav><a href="/">Home</a></nav>
            <main><h1>Deprecated modules</h1><p>These modules will be removed in 3.13:</p>
            <ul><li><a href="/aifc">aifc</a></li><li><a href="/audioop">audioop</a></li><li><a href="/cgi">cgi</a></li></ul>
            <div class="share-buttons"><a href="/s">Share</a></div>
            <div class="related-posts"><p>You may also like: a post about something else entirely.</p></div></main>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "Deprecated modules", "These modules will be removed in 3.13:", "aifc", "audioop", "cgi",
            ])
    }

    @Test("a comment's <article> is not the page's main content")
    func commentArticles() {
        let html = """
            <article class="post"><h1>Release notes</h1><p>Version 2 adds streaming answers.</p></article>
            <ol class="comment-list"><li><article class="comment-body"><p>Great release!</p></article></li></ol>
            <div class="comments"><article class="comment"><p>When is version 3 due?</p></article></div>
            """
        #expect(extractor.extract(html).blocks.map(\.text) == ["Release notes", "Version 2 adds streaming answers."])
    }

    @Test("a page that is nothing but links is kept rather than emptied")
    func safetyNet() {
        let html = """
            <h1>Site map</h1>
            <ul><li><a href="/a">Getting started</a></li><li><a href="/b">Configuration</a></li>
            <li><a href="/c">Deployment</a></li><li><a href="/d">Troubleshooting</a></li></ul>
            """
        #expect(
            extractor.extract(html).blocks.map(\.text) == [
                "Site map", "Getting started", "Configuration", "Deployment", "Troubleshooting",
            ])
    }

    @Test("the heuristics keep a large page fast and linear")
    func largePageWithBoilerplate() {
        let chunk = """
            <div class="post"><h2><a href="/p">A post title</a></h2><p>Body text of the post with a <a href="/l">link</a>
            and enough words to count as prose rather than a list of links.</p>
            <div class="share-bar"><a href="/s">Share</a></div><ul class="tags"><li><a href="/t">tag</a></li></ul></div>
            """
        let html = "<html><body>" + String(repeating: chunk, count: 5_000) + "</body></html>"
        let document = extractor.extract(Array(html.utf8))
        #expect(document.blocks.count == 10_000)
        #expect(document.blocks.filter { $0.text == "Share" || $0.text == "tag" }.isEmpty)
    }
}
