import Testing

@testable import SiftServer

@Suite("Configuration: web search, fetching and the cache")
struct WebConfigurationTests {
    func resolve(
        _ environment: [String: String], files: [String: String] = [:]
    ) throws(ConfigurationError) -> SiftdConfiguration {
        try resolveConfiguration(environment, files: files)
    }

    @Test func webIsOffUntilAKeyOrAURLIsGiven() throws {
        let web = try resolve([:]).web
        #expect(!web.hasWebProviders && web.braveAPIKey == nil && web.searxngURL == nil)
        #expect(web.braveURL == "https://api.search.brave.com" && web.cacheEnabled && web.maxPages == 5)
    }

    @Test func readsEveryWebKey() throws {
        let web = try resolve([
            "SIFT_BRAVE_API_KEY": "k1\n", "SIFT_BRAVE_URL": "http://127.0.0.1:8091", "SIFT_BRAVE_COUNTRY": "DE",
            "SIFT_SEARXNG_URL": "https://searx.example", "SIFT_SEARCH_LANG": "pt-BR", "SIFT_SAFESEARCH": "strict",
            "SIFT_FETCH_ALLOW_HOSTS": "wiki.internal, 10.0.0.0/8", "SIFT_MAX_PAGES": "0", "SIFT_FETCH_DEADLINE_MS": "800",
            "SIFT_CACHE": "off", "SIFT_CACHE_MAX_MB": "16", "SIFT_CACHE_TTL_SECONDS": "60",
        ]).web
        #expect(web.braveAPIKey == "k1" && web.braveURL == "http://127.0.0.1:8091" && web.braveCountry == "de")
        #expect(web.searxngURL == "https://searx.example" && web.searchLanguage == "pt-br" && web.safeSearch == "strict")
        #expect(web.fetchAllowHosts == ["wiki.internal", "10.0.0.0/8"])
        #expect(web.maxPages == 0 && web.fetchDeadline == .milliseconds(800))
        #expect(!web.cacheEnabled && web.cacheMaxBytes == 16 << 20 && web.cacheTTL == .seconds(60))
    }

    @Test func theAPIPoolsAndTheCAFileHaveDefaultsAndAreRead() throws {
        let defaults = try resolve([:]).web
        #expect(defaults.braveConnections == 64 && defaults.searxngConnections == 64 && defaults.caFile == nil)
        let web = try resolve([
            "SIFT_BRAVE_CONNECTIONS": "20", "SIFT_SEARXNG_CONNECTIONS": "8", "SIFT_CA_FILE": "~/ca.pem",
        ]).web
        #expect(web.braveConnections == 20 && web.searxngConnections == 8)
        #expect(web.caFile?.hasSuffix("/ca.pem") == true && web.caFile?.hasPrefix("~") == false)
    }

    @Test func theBraveKeyComesFromTheSystemdCredentialWhenNotSetOtherwise() throws {
        let files = ["/run/credentials/siftd.service/brave-api-key": "secret-key\n"]
        let fromCredential = try resolve(["CREDENTIALS_DIRECTORY": "/run/credentials/siftd.service"], files: files)
        #expect(fromCredential.web.braveAPIKey == "secret-key")
        // The environment wins over the credential.
        let fromEnvironment = try resolve(
            ["CREDENTIALS_DIRECTORY": "/run/credentials/siftd.service", "SIFT_BRAVE_API_KEY": "env-key"], files: files)
        #expect(fromEnvironment.web.braveAPIKey == "env-key")
        // No credential file: Brave stays off.
        #expect(try resolve(["CREDENTIALS_DIRECTORY": "/run/credentials/siftd.service"]).web.braveAPIKey == nil)
    }

    @Test(arguments: [
        ("SIFT_BRAVE_URL", "api.search.brave.com"), ("SIFT_SEARXNG_URL", "ftp://x.example"),
        ("SIFT_SAFESEARCH", "on"), ("SIFT_BRAVE_COUNTRY", "usa"), ("SIFT_CACHE", "maybe"),
        ("SIFT_MAX_PAGES", "99"), ("SIFT_FETCH_DEADLINE_MS", "5"), ("SIFT_SEARCH_LANG", "e"),
        ("SIFT_BRAVE_CONNECTIONS", "0"), ("SIFT_SEARXNG_CONNECTIONS", "many"),
    ])
    func refusesBadWebValuesNamingTheSetting(name: String, value: String) {
        do {
            _ = try resolve([name: value])
            Issue.record("\(name)=\(value) was accepted")
        } catch {
            #expect(error.message.contains(name) && error.message.contains(value))
        }
    }
}

/// Resolves a configuration from `environment` (with a fixed HOME) and in-memory `files`.
func resolveConfiguration(
    _ environment: [String: String], files: [String: String] = [:]
) throws(ConfigurationError) -> SiftdConfiguration {
    try SiftdConfiguration.resolve(
        flags: [:], environment: environment.merging(["HOME": "/home/u"]) { a, _ in a }, readFile: { files[$0] })
}
