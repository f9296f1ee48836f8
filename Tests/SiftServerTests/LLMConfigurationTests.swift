import SiftCore
import Testing

@testable import SiftServer

@Suite("Configuration: LLM synthesis and sessions")
struct LLMConfigurationTests {
    func resolve(
        _ environment: [String: String], files: [String: String] = [:]
    ) throws(ConfigurationError) -> SiftdConfiguration {
        try resolveConfiguration(environment, files: files)
    }

    @Test func theLLMIsOffByDefaultAndRequestsMayNameAnyModelToHearSo() throws {
        let settings = try resolve([:])
        #expect(!settings.llm.enabled)
        #expect(settings.server.allowedModels == nil)
        #expect(settings.sessionsMax == 1024 && settings.sessionTTL == .seconds(1800))
        #expect(settings.llm.deltaWindow == .milliseconds(15))
    }

    @Test func readsEveryLLMKeyWithTheKeyFromTheCredential() throws {
        let settings = try resolve(
            [
                "SIFT_LLM_URL": "http://127.0.0.1:8081/v1", "SIFT_LLM_MODEL": "a, b,a", "SIFT_LLM_CONTEXT_TOKENS": "8192",
                "SIFT_LLM_MAX_TOKENS": "300", "SIFT_LLM_TIMEOUT_MS": "2000", "SIFT_LLM_MERGE": "off",
                "SIFT_LLM_DELTA_WINDOW_MS": "0", "SIFT_SESSIONS_MAX": "10", "SIFT_SESSION_TTL_SECONDS": "60", "CREDENTIALS_DIRECTORY": "/run/credentials/siftd",
            ],
            files: ["/run/credentials/siftd/llm-api-key": "sk-test\r\n"])
        let llm = settings.llm
        #expect(llm.enabled && llm.url == "http://127.0.0.1:8081/v1")
        #expect(llm.models == ["a", "b"])
        #expect(llm.apiKey == "sk-test")
        #expect(llm.contextTokens == 8192 && llm.maxTokens == 300 && !llm.merge)
        #expect(llm.firstTokenTimeout == .seconds(2) && llm.tokenTimeout == .seconds(5))
        #expect(llm.deltaWindow == .zero)
        #expect(settings.server.allowedModels == ["a", "b"])
        #expect(settings.sessionsMax == 10 && settings.sessionTTL == .seconds(60))
    }

    @Test func theAllowListWidensWhatRequestsMayAskFor() throws {
        let base = ["SIFT_LLM_URL": "https://api.example/v1", "SIFT_LLM_MODEL": "small"]
        #expect(try resolve(base.merging(["SIFT_LLM_ALLOW_MODELS": "big,huge"]) { a, _ in a }).server.allowedModels == ["small", "big", "huge"])
        #expect(try resolve(base.merging(["SIFT_LLM_ALLOW_MODELS": "*"]) { a, _ in a }).server.allowedModels == nil)
    }

    @Test(arguments: [
        (["SIFT_LLM_URL": "http://x:1/v1"], "SIFT_LLM_MODEL"),
        (["SIFT_LLM_MODEL": "m"], "SIFT_LLM_URL"),
        (["SIFT_LLM_URL": "ftp://x/v1", "SIFT_LLM_MODEL": "m"], "http"),
        (["SIFT_LLM_URL": "http://x:1/v1", "SIFT_LLM_MODEL": "a,b,c,d,e"], "at most 4"),
        (["SIFT_LLM_URL": "http://x:1/v1", "SIFT_LLM_MODEL": "bad name"], "not valid"),
        (["SIFT_LLM_URL": "http://x:1/v1", "SIFT_LLM_MODEL": "m", "SIFT_LLM_MAX_TOKENS": "3000"], "at most half"),
        (["SIFT_LLM_URL": "http://x:1/v1", "SIFT_LLM_MODEL": "m", "SIFT_LLM_MERGE": "maybe"], "on or off"),
        (["SIFT_LLM_URL": "http://x:1/v1", "SIFT_LLM_MODEL": "m", "SIFT_LLM_DELTA_WINDOW_MS": "-1"], "0 to 1000"),
    ])
    func badSettingsAreRefusedWithTheReason(environment: [String: String], fragment: String) {
        do {
            _ = try resolve(environment)
            Issue.record("\(environment) should be refused")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func aRequestForAModelOutsideTheAllowListIsRefusedByName() throws {
        let options = try QueryOptions.parse(query: "models=small,big")
        #expect(throws: Never.self) { try options.check(allowed: nil) }
        do {
            try options.check(allowed: ["small"])
            Issue.record("big is not allowed")
        } catch {
            #expect(error.code == "bad_request" && error.message.contains("“big”") && error.message.contains("small"))
        }
    }
}
