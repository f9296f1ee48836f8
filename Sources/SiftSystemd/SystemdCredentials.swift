import Glibc

/// Secrets passed with `LoadCredential=`/`SetCredential=` (`systemd.exec(5)`), read
/// from the directory in `CREDENTIALS_DIRECTORY`.
///
/// siftd reads `brave-api-key` and `llm-api-key` this way.
public enum SystemdCredentials {
    /// The largest credential read; larger files are rejected.
    public static let maximumSize = 1 << 20

    /// The credential `name` with trailing newlines removed, or `nil` when there is no
    /// credentials directory, no such credential, it cannot be read, or `name` is not a
    /// plain file name (empty, `.`, `..`, or containing `/`).
    ///
    /// - Parameters:
    ///   - name: The credential's name, as in `LoadCredential=<name>:<path>`.
    ///   - directory: The credentials directory; `$CREDENTIALS_DIRECTORY` by default.
    public static func read(
        _ name: String,
        directory: String? = getenv("CREDENTIALS_DIRECTORY").map { String(cString: $0) }
    ) -> String? {
        guard let directory, !directory.isEmpty,
            !name.isEmpty, name != ".", name != "..", !name.utf8.contains(UInt8(ascii: "/")),
            !name.utf8.contains(0)
        else { return nil }
        let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
                if bytes.count > Self.maximumSize { return nil }
            } else if count == 0 {
                break
            } else if errno != EINTR {
                return nil
            }
        }
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            bytes.removeLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
