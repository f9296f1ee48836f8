#if canImport(Glibc)
import Glibc
#endif

/// The libFuzzer entry points of `sift-fuzz`, one binary for every target (one link instead
/// of ten): `SIFT_FUZZ_TARGET` names the target (`sift-fuzz` lists them when it is unset).
/// Built only with `SIFT_FUZZ=1` and `-sanitize=fuzzer,address` (see fuzz/README.md and
/// `make fuzz`). A target returns normally for any input its parser refuses with a typed
/// error; a crash, an ASan report or a broken property (`violated`) is a finding.

/// The target chosen in `LLVMFuzzerInitialize`, before libFuzzer starts calling.
nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    let name = getenv("SIFT_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.all.first(where: { $0.name == name }) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        let message = Array("sift-fuzz: set SIFT_FUZZ_TARGET to one of: \(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    selected = target
    return 0
}

/// SwiftPM links an executable target of a package with tests with `main` defined as
/// `<module>_main` (so that tests may import it); this is that function, handing over to
/// libFuzzer's driver as its own `main` would.
@_cdecl("sift_fuzz_main")
public func fuzzMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzTestOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selected?.run(bytes)
    return 0
}

/// One parser under test: its name (the corpus directory under fuzz/corpus) and its check.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "html", run: fuzzHTML),
        FuzzTarget(name: "charset", run: fuzzCharset),
        FuzzTarget(name: "sse", run: fuzzSSE),
        FuzzTarget(name: "chat-stream", run: fuzzChatStream),
        FuzzTarget(name: "brave", run: fuzzBrave),
        FuzzTarget(name: "searxng", run: fuzzSearXNG),
        FuzzTarget(name: "query", run: fuzzQuery),
        FuzzTarget(name: "url", run: fuzzURL),
        FuzzTarget(name: "config", run: fuzzConfig),
        FuzzTarget(name: "last-event-id", run: fuzzLastEventID),
    ]
}

/// A broken property: aborts, so libFuzzer keeps the input as a crash.
func violated(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("property violated: \(message)", file: file, line: line)
}

/// Whether `text`'s UTF-8 is valid (a `String` made with unchecked initializers need not be).
func isValidUTF8(_ text: String) -> Bool {
    String(validating: Array(text.utf8), as: UTF8.self) != nil
}

/// Splits `bytes` at its first `\n` (the header line, at most `limit` bytes) and the rest.
func headerAndBody(_ bytes: [UInt8], limit: Int = 200) -> (header: [UInt8], body: [UInt8])? {
    guard let newline = bytes.prefix(limit).firstIndex(of: UInt8(ascii: "\n")) else { return nil }
    return (Array(bytes[..<newline]), Array(bytes[(newline + 1)...]))
}
