import Testing

@testable import SiftServer

@Suite("Flags derived from the configuration keys")
struct ConfigFlagsTests {
    @Test func everyKeyIsAFlagInBothSpellings() throws {
        let values = try ConfigFlags.parse(["--max-streams", "7", "--listen=127.0.0.1:9", "--search-lang", "de"])
        #expect(values == ["max_streams": "7", "listen": "127.0.0.1:9", "search_lang": "de"])
        for key in ConfigKeys.all {
            #expect(try ConfigFlags.parse(["--\(key.flag)", "x"]) == [key.name: "x"], "\(key.name)")
        }
    }

    @Test func theLastOfARepeatedFlagWinsAndAnEmptyValueIsAValue() throws {
        #expect(try ConfigFlags.parse(["--log", "json", "--log=text"]) == ["log": "text"])
        #expect(try ConfigFlags.parse(["--brave-api-key="]) == ["brave_api_key": ""])
    }

    @Test(arguments: [
        (["--bogus", "1"], "unknown option --bogus"), (["--listen"], "--listen needs a value"),
        (["listen"], "unexpected argument “listen”"), (["--"], "unexpected argument “--”"),
    ])
    func mistakesAreNamed(arguments: [String], message: String) {
        #expect {
            try ConfigFlags.parse(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func theHelpListsEveryKeyWithItsEnvironmentAndFileNames() {
        let help = ConfigFlags.helpText()
        for key in ConfigKeys.all {
            #expect(help.contains("--\(key.flag) <value>"), "\(key.name)")
            #expect(help.contains(key.environment), "\(key.name)")
        }
    }
}
