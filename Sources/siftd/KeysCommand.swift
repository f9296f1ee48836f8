import ArgumentParser
import Logging
import SiftCore
import SiftPostgres
import SiftServer

/// `siftd keys add|list|revoke`: manages the API keys siftd accepts when `SIFT_AUTH=required`.
/// The keys live where the daemon reads them, resolved from the same configuration (flags, then
/// environment, then the config file): `api-keys.json` in the state directory, or the database's
/// `sift_keys` table when `SIFT_DATABASE_URL` is set.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siftd keys",
        abstract: "Issue, list and revoke API keys (see docs/security.md).",
        discussion: """
            A running siftd sees a change on its next request (the key file) or at once (PostgreSQL notifies every replica);
            SIGHUP (systemctl reload siftd) reloads the keys at once.
            """,
        subcommands: [Add.self, List.self, Revoke.self])

    /// The settings that say where keys live; the rest comes from the environment and the config file.
    struct Location: ParsableArguments {
        @Option(name: .customLong("config"), help: "Path of the config file [env: SIFT_CONFIG].") var config: String?
        @Option(name: .customLong("state-dir"), help: "The state directory [env: SIFT_STATE_DIR].") var stateDir: String?
        @Option(name: .customLong("database-url"), help: "PostgreSQL URL [env: SIFT_DATABASE_URL].") var databaseURL: String?

        func settings() throws -> SiftdConfiguration {
            var flags: [String: String] = [:]
            flags[ConfigKeys.config.name] = config
            flags[ConfigKeys.stateDir.name] = stateDir
            flags[ConfigKeys.databaseURL.name] = databaseURL
            do {
                return try SiftdConfiguration.resolve(
                    flags: flags, environment: ProcessEnvironment.current(), readFile: ConfigFile.read(path:))
            } catch {
                printError("siftd keys: configuration: \(error)")
                throw ExitCode(2)
            }
        }

        /// Runs `body` with the store the daemon reads: the database's, or the state directory's file.
        func withStore<T: Sendable>(_ body: @escaping @Sendable (any KeyStoring, String) async throws -> T) async throws -> T {
            let settings = try settings()
            guard let url = settings.databaseURL else {
                guard makeDirectories(settings.stateDir) else {
                    printError("siftd keys: cannot create the state directory \(settings.stateDir)")
                    throw ExitCode(1)
                }
                let file = KeyFile(stateDirectory: settings.stateDir)
                return try await body(file, file.path)
            }
            var logger = Logger(label: "siftd.keys")
            logger.logLevel = .error
            let database = PostgresStore(
                url: url, replica: "siftd-keys", leaseDuration: .seconds(10),
                sessionLimits: .init(maxSessions: 1, idleTimeout: .seconds(60)), cacheMaxBytes: 0, metrics: nil,
                cacheObserver: nil, logger: logger)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    await database.run()
                    return nil
                }
                do {
                    try await database.prepare()
                } catch {
                    printError("siftd keys: database: \(error)")
                    throw ExitCode(2)
                }
                let result = try await body(database, "the database at \(url.endpoint)")
                group.cancelAll()
                return result
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once (only its SHA-256 is stored).",
            discussion: "The key goes to standard output alone, so `KEY=$(siftd keys add NAME)` keeps it; what it may do goes to standard error.")

        @Argument(help: "The key's name: 1-64 letters, digits, '-', '_' or '.'. It labels metrics and logs.") var name: String
        @Option(help: "Comma list of scopes: query (ask; read and cancel its own queries), metrics (/metrics), admin (everything).")
        var scopes = "query"
        @Option(help: "Requests a minute (a burst of this many, refilled over a minute).") var rpm: Int?
        @Option(help: "Queries running at once.") var streams: Int?
        @Option(name: .customLong("daily-upstream"), help: "Upstream search requests (Brave, SearXNG) a UTC day; cache hits are free.")
        var dailyUpstream: Int?
        @Option(name: .customLong("daily-tokens"), help: "LLM tokens a UTC day.") var dailyTokens: Int?
        @OptionGroup var location: Location

        func validate() throws {
            for (flag, value) in [("--rpm", rpm), ("--streams", streams), ("--daily-upstream", dailyUpstream), ("--daily-tokens", dailyTokens)] {
                if let value, value < 1 || value > 1_000_000_000 {
                    throw ValidationError("\(flag) must be a whole number from 1 to 1000000000, not \(value).")
                }
            }
            do {
                try APIKeys.validate(name: name)
            } catch {
                throw ValidationError(error.message)
            }
            if case .failure(let error) = APIScope.parseList(scopes) { throw ValidationError("--scopes: \(error.message)") }
        }

        func run() async throws {
            let scopes = try APIScope.parseList(self.scopes).get()
            let key = APIKeys.generate()
            let record = APIKeyRecord(
                name: name, hash: APIKeys.hash(key), scopes: scopes,
                limits: APIKeyLimits(requestsPerMinute: rpm, streams: streams, dailyUpstream: dailyUpstream, dailyTokens: dailyTokens),
                created: APIKeys.unixNow())
            do {
                let place = try await location.withStore { store, place in
                    try await store.add(record)
                    return place
                }
                printError(
                    "siftd keys: added “\(name)” to \(place): scopes \(scopes.map(\.rawValue).joined(separator: ",")), limits \(record.limits.summary). "
                        + "The key is shown this once; send it as the header Authorization: Bearer KEY.")
                print(key)
            } catch let error as APIKeyError {
                printError("siftd keys: \(error.message)")
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys: names, scopes, limits, creation and last use (never a key).")

        @Flag(help: "One JSON object a line instead of a table.") var json = false
        @OptionGroup var location: Location

        func run() async throws {
            let records: [APIKeyRecord]
            do {
                records = try await location.withStore { store, _ in try await store.keys() }
            } catch let error as APIKeyError {
                printError("siftd keys: \(error.message)")
                throw ExitCode(1)
            }
            if json {
                for record in records {
                    var copy = record
                    copy.hash = ""
                    print(Self.jsonLine(copy))
                }
                return
            }
            let rows = [["NAME", "SCOPES", "LIMITS", "CREATED", "LAST USED"]]
                + records.map { record in
                    [
                        record.name, record.scopes.map(\.rawValue).joined(separator: ","), record.limits.summary,
                        UTCDay.timestamp(record.created), record.lastUsed.map(UTCDay.timestamp) ?? "never",
                    ]
                }
            let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    row.enumerated().map { index, cell in
                        index == 4 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                    }.joined(separator: "  "))
            }
        }

        static func jsonLine(_ record: APIKeyRecord) -> String {
            func quoted(_ text: String) -> String {
                "\"" + text.flatMap { $0 == "\"" ? ["\\", "\""] : $0 == "\\" ? ["\\", "\\"] : [$0] }.map(String.init).joined() + "\""
            }
            func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
            let limits = record.limits
            return "{\"name\":\(quoted(record.name)),\"scopes\":[\(record.scopes.map { quoted($0.rawValue) }.joined(separator: ","))],"
                + "\"limits\":{\"rpm\":\(number(limits.requestsPerMinute)),\"streams\":\(number(limits.streams)),"
                + "\"daily_upstream\":\(number(limits.dailyUpstream)),\"daily_tokens\":\(number(limits.dailyTokens))},"
                + "\"created\":\(record.created),\"last_used\":\(record.lastUsed.map(String.init) ?? "null")}"
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: it is refused from the next request.")

        @Argument(help: "The key's name.") var name: String
        @OptionGroup var location: Location

        func run() async throws {
            let found: Bool
            do {
                found = try await location.withStore { store, _ in try await store.revoke(name) }
            } catch let error as APIKeyError {
                printError("siftd keys: \(error.message)")
                throw ExitCode(1)
            }
            guard found else {
                printError("siftd keys: there is no key named “\(name)” (siftd keys list shows them)")
                throw ExitCode(1)
            }
            printError("siftd keys: revoked “\(name)”")
        }
    }
}
