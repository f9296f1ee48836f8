import CSystemd
import Glibc

/// Sockets passed by systemd socket activation (`siftd.socket`, `sd_listen_fds(3)`).
public enum SystemdSockets {
    /// The descriptors systemd passed (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`),
    /// each with its `FileDescriptorName=` (systemd defaults it to the socket unit's
    /// name, or `unknown`). Empty when the process was not socket-activated.
    ///
    /// The descriptors start at 3 and are marked close-on-exec.
    ///
    /// - Parameter unsetEnvironment: Remove the three variables so children do not
    ///   inherit them; a second call then returns `[]`, so call this once in `main`.
    public static func listenFDs(unsetEnvironment: Bool = true) -> [(fd: Int32, name: String)] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(unsetEnvironment ? 1 : 0, &names)
        defer {
            if let names {
                var index = 0
                while let name = names[index] {
                    free(name)
                    index += 1
                }
                free(names)
            }
        }
        guard count > 0 else { return [] }
        return (0..<Int(count)).map { index in
            let fd = SD_LISTEN_FDS_START + Int32(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            return (fd, name)
        }
    }

    /// Whether `fd` is a listening stream (TCP or Unix) socket, the kind an HTTP server
    /// accepts on (`sd_is_socket(3)`).
    public static func isListeningStreamSocket(_ fd: Int32) -> Bool {
        sd_is_socket(fd, AF_UNSPEC, Int32(SOCK_STREAM.rawValue), 1) > 0
    }

    /// The descriptor to serve HTTP on: the first listening stream socket named `name`,
    /// or, when `name` is `nil`, the first listening stream socket at all.
    ///
    /// Hand it to NIO with `ServerBootstrap.withBoundSocket(_:)`.
    public static func listeningStreamSocket(
        in fds: [(fd: Int32, name: String)],
        named name: String? = nil
    ) -> Int32? {
        fds.first { entry in
            (name == nil || entry.name == name) && Self.isListeningStreamSocket(entry.fd)
        }?.fd
    }
}
