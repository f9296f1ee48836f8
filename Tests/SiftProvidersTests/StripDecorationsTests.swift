import Testing

@testable import SiftProviders

/// Brave's highlighting and entities, removed in one linear pass each.
@Suite struct StripDecorationsTests {
    @Test(arguments: [
        ("plain text, nothing to do", "plain text, nothing to do"),
        ("<strong>Canberra</strong> is the capital", "Canberra is the capital"),
        ("<b>bold</b> and <strong>strong</strong>", "bold and strong"),
        ("Tom &amp; Jerry &quot;quoted&quot; it&#x27;s it&#39;s", "Tom & Jerry \"quoted\" it's it's"),
        ("a &lt;b&gt; tag written as text", "a <b> tag written as text"),
        ("&amp;lt; decodes once", "&lt; decodes once"),
        ("Zürich <strong>Ünïcödé</strong> ✓ &amp; 日本", "Zürich Ünïcödé ✓ & 日本"),
        ("a < b && c > d <strong", "a < b && c > d <strong"),
        ("&amp", "&amp"),
        ("", ""),
    ])
    func stripsTagsThenDecodesEntities(input: String, expected: String) {
        #expect(BraveSearchProvider.stripDecorations(input) == expected)
    }
}
