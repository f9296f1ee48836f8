#if canImport(Glibc)
import Glibc
#endif

/// Reads small files (/proc entries, the config file) whole.
enum TextFile {
    /// Why a file could not be read: the `errno` of the failing call.
    struct ReadError: Error {
        var code: Int32
        var message: String { String(cString: strerror(code)) }
    }

    /// The file's text (invalid UTF-8 repaired), or the error that stopped the read.
    static func read(_ path: String) throws(ReadError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(code: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(code: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
