import SiftCore
import SiftProviders
import Testing

@testable import SiftServer

@Suite("Configuration")
struct ConfigurationTests {
    @Test func parsesTheFlatTOMLSubset() throws {
        let file = try ConfigFile(
            parsing: """
                # siftd settings
                listen = "0.0.0.0:9090"   # all interfaces
                kb_sources = 'default,/srv/docs'
                max_streams = 100
                log = "json"
                """)
        #expect(file.values == ["listen": "0.0.0.0:9090", "kb_sources": "default,/srv/docs", "max_streams": "100", "log": "json"])
    }

    @Test(arguments: [
        ("[server]\nlisten = \"x\"", 1), ("listen \"x\"", 1), ("a = 1\nlisten = x y", 2), ("listen = \"open", 1),
        ("a = [1, 2]", 1), ("a = 1\na = 2", 2), ("a = \"x\" trailing", 1),
    ])
    func refusesWhatItDoesNotUnderstandWithTheLine(text: String, line: Int) {
        #expect(throws: ConfigFile.ParseError.self) { try ConfigFile(parsing: text) }
        do {
            _ = try ConfigFile(parsing: text)
        } catch {
            #expect(error.line == line)
        }
    }

    @Test func flagsBeatEnvironmentBeatFileBeatDefaults() throws {
        let file = "listen = \"127.0.0.1:7000\"\nmax_streams = 10\nlog = \"json\"\nstream_buffer = 64"
        let configuration = try SiftdConfiguration.resolve(
            flags: ["listen": "127.0.0.1:9000"],
            environment: ["SIFT_LISTEN": "127.0.0.1:8000", "SIFT_MAX_STREAMS": "20", "HOME": "/home/u", "SIFT_CONFIG": "/x.toml"],
            readFile: { $0 == "/x.toml" ? file : nil })
        #expect(configuration.listenPort == 9000)
        #expect(configuration.server.maxStreams == 20)
        #expect(configuration.logFormat == "json")
        #expect(configuration.server.streamBuffer == 64)
        #expect(configuration.server.heartbeat == .seconds(15))
        #expect(configuration.stateDir == "/home/u/.local/state/siftd")
        #expect(configuration.configPath == "/x.toml")
    }

    @Test func systemdDirectoriesAreTheDefaults() throws {
        let configuration = try SiftdConfiguration.resolve(
            flags: [:], environment: ["STATE_DIRECTORY": "/var/lib/siftd", "CACHE_DIRECTORY": "/var/cache/siftd:/other"],
            readFile: { _ in nil })
        #expect(configuration.stateDir == "/var/lib/siftd")
        #expect(configuration.cacheDir == "/var/cache/siftd")
        #expect(configuration.listenHost == "127.0.0.1" && configuration.listenPort == 8080)
        #expect(configuration.kbSources == ["default"])
    }

    @Test func braveModeIsWebUnlessLLMContextIsAsked() throws {
        let defaults = try SiftdConfiguration.resolve(flags: [:], environment: [:], readFile: { _ in nil })
        #expect(defaults.web.braveMode == .web)
        let environment = try SiftdConfiguration.resolve(
            flags: [:], environment: ["SIFT_BRAVE_MODE": "LLM-Context"], readFile: { _ in nil })
        #expect(environment.web.braveMode == .llmContext)
        let file = try SiftdConfiguration.resolve(
            flags: [:], environment: ["SIFT_CONFIG": "/x.toml"], readFile: { $0 == "/x.toml" ? "brave_mode = \"llm-context\"" : nil })
        #expect(file.web.braveMode == .llmContext)
        #expect(ConfigChange.changed(from: defaults, to: environment) == [ConfigKeys.braveMode.name])
        #expect(!ConfigChange.needsRestart.contains(ConfigKeys.braveMode.name))
    }

    @Test func resumableQueryBoundsHaveDefaultsAndEveryOrigin() throws {
        let defaults = try SiftdConfiguration.resolve(flags: [:], environment: [:], readFile: { _ in nil }).server
        #expect(defaults.queryRetention == .seconds(300) && defaults.queriesMax == 1024 && defaults.queriesMaxBytes == 64 << 20)
        let file = "query_retention_seconds = 60\nqueries_max = 50"
        let set = try SiftdConfiguration.resolve(
            flags: ["queries_max_mb": "8"], environment: ["SIFT_QUERIES_MAX": "20", "SIFT_CONFIG": "/x.toml"],
            readFile: { $0 == "/x.toml" ? file : nil }
        ).server
        #expect(set.queryRetention == .seconds(60) && set.queriesMax == 20 && set.queriesMaxBytes == 8 << 20)
        let limits = QueryStore.Limits(retention: set.queryRetention, maxQueries: set.queriesMax, maxBytes: set.queriesMaxBytes)
        #expect(limits.maxQueryBytes == 8 << 20)
        #expect(QueryStore.Limits(maxBytes: 2 << 20).maxQueryBytes == 2 << 20)
    }

    @Test(arguments: [
        (["SIFT_LISTEN": "nope"], "SIFT_LISTEN"), (["SIFT_MAX_STREAMS": "0"], "SIFT_MAX_STREAMS"),
        (["SIFT_LOG": "xml"], "SIFT_LOG"), (["SIFT_CONFIG": "/missing.toml"], "/missing.toml"),
        (["SIFT_LOG_LEVEL": "loud"], "SIFT_LOG_LEVEL"),
        (["SIFT_QUERY_RETENTION_SECONDS": "0"], "SIFT_QUERY_RETENTION_SECONDS"),
        (["SIFT_QUERIES_MAX": "many"], "SIFT_QUERIES_MAX"), (["SIFT_QUERIES_MAX_MB": "0"], "SIFT_QUERIES_MAX_MB"),
        (["SIFT_BRAVE_MODE": "answers"], "SIFT_BRAVE_MODE"),
    ])
    func badValuesNameTheirOrigin(environment: [String: String], mention: String) {
        do {
            _ = try SiftdConfiguration.resolve(flags: [:], environment: environment, readFile: { _ in nil })
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains(mention))
        }
    }

    @Test func aDefaultConfigFileThatCannotBeReadIsAnErrorNotIgnored() {
        do {
            _ = try SiftdConfiguration.resolve(
                flags: [:], environment: [:],
                readFile: { path throws(ConfigurationError) in
                    throw ConfigurationError("config file \(path) exists but cannot be read: Permission denied.")
                })
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("/etc/siftd/siftd.toml") && error.message.contains("Permission denied"))
        }
    }

    @Test func readingTheConfigFileTellsMissingFromUnreadable() throws {
        #expect(try ConfigFile.read(path: "/nonexistent/siftd.toml") == nil)
        // A directory opens but cannot be read as a file: an error that names the path.
        #expect(throws: ConfigurationError.self) { try ConfigFile.read(path: "/tmp") }
        do {
            _ = try ConfigFile.read(path: "/tmp")
        } catch {
            #expect(error.message.contains("/tmp") && error.message.contains("cannot be read"))
        }
    }

    @Test func unknownFileKeysAreRefused() {
        #expect(throws: ConfigurationError.self) {
            try SiftdConfiguration.resolve(
                flags: [:], environment: ["SIFT_CONFIG": "/c"], readFile: { _ in "lisen = \"x\"" })
        }
    }

    @Test func queryStringKeepsRawBytes() {
        #expect(QueryString.parameter("q", in: "a=1&q=what+is%20it%3F") == Array("what is it?".utf8))
        #expect(QueryString.parameter("q", in: "q=%FF%fe") == [0xFF, 0xFE])
        #expect(QueryString.parameter("q", in: "q=100%") == Array("100%".utf8))
        #expect(QueryString.parameter("q", in: "x=1") == nil)
        #expect(QueryString.parameter("q", in: "q") == [])
    }
}
