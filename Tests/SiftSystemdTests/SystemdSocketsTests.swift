import Glibc
import SiftSystemd
import Testing

extension ProcessEnvironmentTests {
    @Suite struct SystemdSocketsTests {
        @Test func noListenFdsMeansNoSockets() async {
            await withEnvironment(["LISTEN_FDS": nil, "LISTEN_PID": nil, "LISTEN_FDNAMES": nil]) {
                #expect(SystemdSockets.listenFDs().isEmpty)
            }
        }

        @Test func socketsForAnotherProcessAreIgnored() async {
            await withEnvironment(["LISTEN_FDS": "1", "LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDNAMES": "web"]) {
                #expect(SystemdSockets.listenFDs(unsetEnvironment: false).isEmpty)
            }
        }

        /// The real protocol: fds 3 and 4 with names. Two sockets are opened first, so 3
        /// and 4 are open even in a process that had them free (the kernel hands out the
        /// lowest free numbers; nothing is dup2'ed over a descriptor another test may own).
        /// sd_listen_fds sets close-on-exec on them; the previous flags are restored.
        @Test func passedSocketsComeWithTheirNames() async throws {
            let ours = (0..<2).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
            defer { for fd in ours where fd >= 0 { close(fd) } }
            let originalFlags = (Int32(3)...4).map { fcntl($0, F_GETFD) }
            try #require(originalFlags.allSatisfy { $0 >= 0 })
            defer {
                for (offset, flags) in originalFlags.enumerated() { _ = fcntl(Int32(3 + offset), F_SETFD, flags) }
            }

            await withEnvironment([
                "LISTEN_FDS": "2", "LISTEN_PID": "\(getpid())", "LISTEN_FDNAMES": "web:metrics",
            ]) {
                let fds = SystemdSockets.listenFDs(unsetEnvironment: true)
                #expect(fds.map(\.fd) == [3, 4])
                #expect(fds.map(\.name) == ["web", "metrics"])
                #expect(getenv("LISTEN_FDS") == nil)
                #expect(SystemdSockets.listenFDs().isEmpty)
            }
        }
    }
}

@Suite struct ListeningSocketSelectionTests {
    func listeningTCPSocket() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(bound == 0)
        try #require(listen(fd, 1) == 0)
        return fd
    }

    @Test func picksTheListeningStreamSocket() throws {
        let listening = try listeningTCPSocket()
        defer { close(listening) }
        let datagram = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(datagram) }
        let unlistened = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(unlistened) }

        #expect(SystemdSockets.isListeningStreamSocket(listening))
        #expect(!SystemdSockets.isListeningStreamSocket(datagram))
        #expect(!SystemdSockets.isListeningStreamSocket(unlistened))

        let fds: [(fd: Int32, name: String)] = [
            (datagram, "web"), (unlistened, "web"), (listening, "web"),
        ]
        #expect(SystemdSockets.listeningStreamSocket(in: fds) == listening)
        #expect(SystemdSockets.listeningStreamSocket(in: fds, named: "web") == listening)
        #expect(SystemdSockets.listeningStreamSocket(in: fds, named: "metrics") == nil)
        #expect(SystemdSockets.listeningStreamSocket(in: []) == nil)
    }
}
