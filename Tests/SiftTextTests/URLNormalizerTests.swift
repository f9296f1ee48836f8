import SiftText
import Testing

@Suite("URLNormalizer: fusion keys, hosts and schemes")
struct URLNormalizerTests {
    @Test(
        "spellings of one page share a key",
        arguments: [
            // Scheme, host case, www, default ports, trailing slash, fragment.
            ["https://example.com/a/b", "http://example.com/a/b", "HTTPS://WWW.Example.COM/a/b/", "https://example.com:443/a/b#top",
             "http://www.example.com:80/a/b/#", "  https://example.com/a/b  ", "https://example.com./a/b",
             "https://user:secret@example.com/a/b"],
            // The root and the empty path.
            ["https://example.com", "https://example.com/", "http://www.example.com//", "https://example.com/#main"],
            // Tracking parameters, parameter order, empty parameters.
            ["https://example.com/p?b=2&a=1", "https://example.com/p?a=1&b=2&utm_source=news&utm_medium=email",
             "https://example.com/p?gclid=x&a=1&fbclid=y&b=2", "https://example.com/p?a=1&&b=2&", "https://example.com/p/?a=1&b=2#x",
             "https://example.com/p?UTM_Campaign=z&a=1&b=2&srsltid=abc", "https://example.com/p?a=1&b=2&ref=hn&mc_cid=1&mc_eid=2"],
            // Percent-encoding: hex case, unreserved characters, sub-delimiters, non-ASCII, spaces.
            ["https://en.wikipedia.org/wiki/Python_(programming_language)", "https://en.wikipedia.org/wiki/Python_%28programming_language%29",
             "https://en.wikipedia.org/wiki/Python_%28programming_language%29/"],
            ["https://example.com/caf%c3%a9/%7Euser", "https://example.com/café/~user", "https://example.com/caf%C3%A9/%7euser"],
            ["https://example.com/a%20b", "https://example.com/a b"],
            // Dot segments.
            ["https://example.com/a/b/c", "https://example.com/a/./b/c", "https://example.com/a/x/../b/c", "https://example.com/a/b/c/."],
        ])
    func sameKey(_ spellings: [String]) {
        let keys = spellings.map(URLNormalizer.fusionKey)
        #expect(Set(keys).count == 1, "\(keys)")
    }

    @Test(
        "keys look like host, path and sorted query",
        arguments: [
            ("https://www.Example.com:443/Docs/Index.html?z=1&a=2#frag", "example.com/Docs/Index.html?a=2&z=1"),
            ("http://example.com:8080/", "example.com:8080"),
            ("https://example.com:0443/x", "example.com/x"),
            ("https://example.com/?", "example.com"),
            ("https://example.com/search?q=swift+nio&utm_source=x", "example.com/search?q=swift+nio"),
            ("https://example.com/p?q=a%2Fb%26c%3Dd%2B", "example.com/p?q=a/b%26c%3Dd%2B"),
            ("https://example.com/p?name=J%C3%BCrgen&flag", "example.com/p?flag&name=J%C3%BCrgen"),
            ("https://example.com/a?x=2&x=1", "example.com/a?x=2&x=1"),
            ("https://www.com/", "www.com"),
            ("https://www2.example.com/", "www2.example.com"),
            ("https://[2001:DB8::1]:443/a", "[2001:db8::1]/a"),
            ("https://[::1]:8443/", "[::1]:8443"),
            ("ftp://FTP.Example.com/pub/file.txt", "ftp://ftp.example.com/pub/file.txt"),
            ("kb://wordnet/Canberra", "kb://wordnet/Canberra"),
            ("mailto:Someone@Example.com", "mailto:Someone@Example.com"),
            ("HTTPS:example.com/a", "example.com/a"),
            ("https:///example.com/a", "example.com/a"),
            ("https://example.com\\a\\b", "example.com/a/b"),
            ("https://example.com/%", "example.com/%25"),
            ("https://example.com/%zz%4", "example.com/%25zz%254"),
            ("https://example.com/a%2fb", "example.com/a%2Fb"),
            ("https://exa mple.com/", "exa mple.com"),
            ("https://example.com/a\tb\nc", "example.com/abc"),
            ("file:///etc/hosts", "file:///etc/hosts"),
        ])
    func keys(_ url: String, _ key: String) {
        #expect(URLNormalizer.fusionKey(url) == key)
    }

    @Test("different pages keep different keys")
    func differentKeys() {
        let urls = [
            "https://example.com/a", "https://example.com/A", "https://example.com/a?page=2", "https://example.com/a/b",
            "https://example.org/a", "https://blog.example.com/a", "https://example.com:8080/a", "ftp://example.com/a",
            "https://example.com/a?q=1", "https://example.com/a?q=2",
        ]
        #expect(Set(urls.map(URLNormalizer.fusionKey)).count == urls.count)
    }

    @Test("input that is not a URL comes back trimmed", arguments: [
        ("  not a url  ", "not a url"), ("", ""), ("   ", ""), ("example.com/path", "example.com/path"),
        ("//example.com/a", "//example.com/a"), ("http://", "http://"), ("https://:443/", "https://:443/"),
        ("1http://x", "1http://x"), ("/relative/path?x=1", "/relative/path?x=1"),
    ])
    func notURLs(_ input: String, _ expected: String) {
        #expect(URLNormalizer.fusionKey(input) == expected)
    }

    @Test("never crashes on junk")
    func junk() {
        var generator = SplitMix(seed: 42)
        let alphabet = Array("htps:/?#&=%@[]:.wWxX0123456789 \t\u{00}é😀+;~-_".unicodeScalars)
        for _ in 0..<5_000 {
            var text = ""
            if generator.next() % 2 == 0 { text = "https://" }
            for _ in 0..<(generator.next() % 40) {
                text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))])
            }
            _ = URLNormalizer.fusionKey(text)
            _ = URLNormalizer.host(of: text)
            _ = URLNormalizer.site(of: text)
            _ = URLNormalizer.isHTTP(text)
        }
    }

    @Test("a key read again is the same key (an empty port before the real one, found by fuzz/)", arguments: [
        ("https://WWW.Example.COM::443/a/./b", "example.com/a/b"), ("https://example.com:/a", "example.com/a"),
        ("HTTPS://WWW.Example.COM:035:/a", "example.com:35/a"), ("https://example.com:443::/a", "example.com/a"),
        ("https://Example.com:03./a", "example.com:3/a"),
        ("http://example.com.:8080/x?b=1&a=2", "example.com:8080/x?a=2&b=1"),
        // A bare `%` is escaped, so a decoded escape after it cannot make a new one (found by `make fuzz`).
        ("https://a.com/Caf%c3%%2%39", "a.com/Caf%C3%25%2529"), ("https://a.com/100%?q=5%", "a.com/100%25?q=5%25"),
    ])
    func keyIsAFixedPoint(_ url: String, _ expected: String) {
        let key = URLNormalizer.fusionKey(url)
        #expect(key == expected)
        #expect(URLNormalizer.fusionKey("http://" + key) == key)
    }

    @Test("host, site and scheme helpers")
    func helpers() {
        #expect(URLNormalizer.host(of: "https://WWW.Example.com:8443/path?q#f") == "www.example.com")
        #expect(URLNormalizer.site(of: "https://WWW.Example.com:8443/path?q#f") == "example.com")
        #expect(URLNormalizer.host(of: "http://user:pw@Docs.Python.org./3/") == "docs.python.org")
        #expect(URLNormalizer.host(of: "https://[::1]:8080/") == "[::1]")
        #expect(URLNormalizer.host(of: "kb://wordnet/Canberra") == "wordnet")
        #expect(URLNormalizer.host(of: "mailto:a@b.c") == nil)
        #expect(URLNormalizer.host(of: "not a url") == nil)
        #expect(URLNormalizer.host(of: "file:///etc/hosts") == nil)
        #expect(URLNormalizer.site(of: "https://www.com") == "www.com")

        #expect(URLNormalizer.isHTTP("https://example.com"))
        #expect(URLNormalizer.isHTTP("  HTTP://example.com/a "))
        #expect(!URLNormalizer.isHTTP("ftp://example.com"))
        #expect(!URLNormalizer.isHTTP("kb://wordnet/x"))
        #expect(!URLNormalizer.isHTTP("https://"))
        #expect(!URLNormalizer.isHTTP("javascript:alert(1)"))
        #expect(!URLNormalizer.isHTTP("example.com"))
    }

    @Test("tracking parameters are listed and matched without case")
    func trackingParameters() {
        for name in ["gclid", "fbclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref", "ref_src", "_hsenc", "_hsmi", "yclid", "spm"] {
            #expect(URLNormalizer.trackingParameters.contains(name))
            #expect(URLNormalizer.fusionKey("https://example.com/?\(name.uppercased())=1&keep=1") == "example.com?keep=1")
        }
        // A percent-encoded name is compared decoded.
        #expect(URLNormalizer.fusionKey("https://example.com/?utm%5Fsource=x") == "example.com")
        // Names that merely contain a tracking name stay.
        #expect(URLNormalizer.fusionKey("https://example.com/?prefix=1&refresh=2") == "example.com?prefix=1&refresh=2")
    }
}

/// A small deterministic generator for junk inputs.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
