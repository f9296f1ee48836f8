import SiftSystemd
import Testing

@Suite struct SystemdCredentialsTests {
    @Test func readsAndTrimsTrailingNewlines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove(["brave-api-key", "llm-api-key", "empty"]) }
        try directory.write("brave-api-key", "s3cr3t\n")
        try directory.write("llm-api-key", "line one\nline two\r\n\n")
        try directory.write("empty", "")

        #expect(SystemdCredentials.read("brave-api-key", directory: directory.path) == "s3cr3t")
        #expect(SystemdCredentials.read("llm-api-key", directory: directory.path) == "line one\nline two")
        #expect(SystemdCredentials.read("empty", directory: directory.path) == "")
        #expect(SystemdCredentials.read("missing", directory: directory.path) == nil)
        #expect(SystemdCredentials.read("brave-api-key", directory: nil) == nil)
    }

    @Test(arguments: ["../brave-api-key", "sub/key", "/etc/passwd", "", ".", ".."])
    func rejectsNamesThatAreNotPlainFileNames(name: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove(["brave-api-key"]) }
        try directory.write("brave-api-key", "s3cr3t")
        #expect(SystemdCredentials.read(name, directory: directory.path + "/") == nil)
    }
}

extension ProcessEnvironmentTests {
    @Suite struct CredentialsDirectoryTests {
        @Test func readsFromCredentialsDirectory() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove(["llm-api-key"]) }
            try directory.write("llm-api-key", "sk-test\n")
            await withEnvironment(["CREDENTIALS_DIRECTORY": directory.path]) {
                #expect(SystemdCredentials.read("llm-api-key") == "sk-test")
            }
            await withEnvironment(["CREDENTIALS_DIRECTORY": nil]) {
                #expect(SystemdCredentials.read("llm-api-key") == nil)
            }
        }
    }
}
