// HOSTILE DATA. The entry below exists to test that every consumer of search results
// (the pipeline, the SSE encoder, the browser client) treats titles, snippets and URLs as
// untrusted text. Each string is an attack payload on purpose; none of it must ever be
// rendered as markup or followed as a link. Query it with "xss".

extension ReplayCorpus {
    /// The normalized query that returns the hostile corpus.
    public static let hostileQuery = "xss"

    static let hostileEntry = ReplayCorpusEntry(
        documents: [
            ReplayDocument(
                title: "<script>alert(1)</script> XSS test page",
                url: "https://xss.example/script-in-title",
                siteName: "<script>alert('profile')</script>",
                snippet: "A snippet with a script tag: <script>alert(document.cookie)</script> and more xss text.",
                extraSnippets: ["<script src=https://xss.example/evil.js></script>"],
                published: CalendarDay(year: 2024, month: 1, day: 1)),
            ReplayDocument(
                title: "<img src=x onerror=alert(1)> image handler",
                url: "https://xss.example/img-onerror",
                siteName: "XSS Example",
                snippet: "Image with an error handler <img src=x onerror=alert(2)> inside an xss snippet.",
                extraSnippets: ["<svg onload=alert(3)></svg>", "<iframe src=\"javascript:alert(4)\"></iframe>"]),
            ReplayDocument(
                title: "javascript: URL result",
                url: "javascript:alert(5)",
                siteName: "javascript:",
                snippet: "The URL of this xss result is a javascript: URL; it must not become a clickable link."),
            ReplayDocument(
                title: "data: URL result",
                url: "data:text/html,<script>alert(6)</script>",
                siteName: "data:",
                snippet: "The URL of this xss result is a data: URL carrying HTML."),
            ReplayDocument(
                title: "Attribute breakout \" onmouseover=\"alert(7)\" x=\"",
                url: "https://xss.example/attr?q=\"><script>alert(8)</script>",
                siteName: "XSS Example",
                snippet: "Quotes ' \" and backticks ` try to break out of attributes: \"><svg/onload=alert(9)> xss."),
            ReplayDocument(
                title: "Template injection {{constructor.constructor('alert(10)')()}} ${alert(11)}",
                url: "https://xss.example/template",
                siteName: "XSS Example",
                snippet: "Template syntax {{7*7}} and ${7*7} and <%= 7*7 %> must come out literally in this xss result."),
            ReplayDocument(
                title: "Entities &lt;script&gt;alert(12)&lt;/script&gt; already escaped",
                url: "https://xss.example/entities",
                siteName: "XSS Example",
                snippet: "Pre-escaped &lt;b&gt;bold&lt;/b&gt; and &amp;amp; must not be unescaped twice (xss)."),
            ReplayDocument(
                title: "Unicode tricks \u{202E}gnp.exe \u{200B}zero\u{200B}width",
                url: "https://xss.example/unicode",
                siteName: "XSS Example",
                snippet: "Right-to-left override \u{202E}txt.exe and a NUL-free control mix \u{0007}\u{001B}[31m in an xss snippet."),
            ReplayDocument(
                title: "</strong><script>alert(13)</script><strong>",
                url: "https://xss.example/decoration-breakout",
                siteName: "XSS Example",
                snippet: "Closing the highlight early </strong><script>alert(14)</script><strong> inside xss text."),
        ],
        suggestions: ["<script>alert(15)</script>", "xss\" onfocus=\"alert(16)"],
        summary: ReplaySummary(
            name: "<script>alert(17)</script>",
            text: "An infobox whose every field is hostile: <img src=x onerror=alert(18)>.",
            url: "javascript:alert(19)",
            attributes: [ReplayParameter(name: "<b>label</b>", value: "<i onmouseover=alert(20)>value</i>")]),
        isHostile: true)
}
