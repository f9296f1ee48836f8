#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under /tmp, removed (with its contents) when released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/sift-kb-test-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: result)
    }

    deinit {
        remove(path)
    }

    /// Writes `text` to `relative` (creating folders).
    func write(_ text: String, to relative: String) throws {
        try write(Array(text.utf8), to: relative)
    }

    /// Writes `bytes` to `relative` (creating folders).
    func write(_ bytes: [UInt8], to relative: String) throws {
        let full = path + "/" + relative
        var folder = ""
        for part in relative.split(separator: "/").dropLast() {
            folder += "/" + part
            mkdir(path + folder, 0o755)
        }
        guard let file = fopen(full, "wb") else { throw TestFailure("cannot create \(full)") }
        defer { fclose(file) }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
    }

    private func remove(_ path: String) {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                // A directory cannot be unlinked: then it is emptied and removed.
                if unlink(child) != 0 { remove(child) }
            }
            closedir(dir)
        }
        rmdir(path)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `command` with `/bin/sh -c`; returns its exit status (-1 when it could not run).
func shell(_ command: String) -> Int32 {
    let status = system(command)
    guard status != -1 else { return -1 }
    return (status >> 8) & 0xFF
}
