#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a file.
struct FileInfo: Sendable, Hashable {
    var size: Int64
    /// Modification time in nanoseconds since the epoch.
    var modified: Int64
    var isDirectory: Bool
    var isRegular: Bool
}

/// A file found by ``FileSystem/walk(_:include:skipDirectory:)``.
struct FoundFile: Sendable, Hashable {
    /// Path relative to the walked root, with `/` separators.
    var relativePath: String
    var info: FileInfo
}

/// The few POSIX file operations the knowledge base needs, without Foundation.
enum FileSystem {
    /// `stat` (following links) of `path`, or `nil` when it does not exist or cannot be read.
    static func info(_ path: String) -> FileInfo? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
        let seconds = Int64(st.st_mtimespec.tv_sec)
        let nanos = Int64(st.st_mtimespec.tv_nsec)
        #else
        let seconds = Int64(st.st_mtim.tv_sec)
        let nanos = Int64(st.st_mtim.tv_nsec)
        #endif
        let type = st.st_mode & S_IFMT
        return FileInfo(
            size: Int64(st.st_size), modified: seconds * 1_000_000_000 + nanos, isDirectory: type == S_IFDIR,
            isRegular: type == S_IFREG)
    }

    /// Whether `path` is a symbolic link (not followed).
    static func isSymbolicLink(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return false }
        return st.st_mode & S_IFMT == S_IFLNK
    }

    static func exists(_ path: String) -> Bool { info(path) != nil }

    /// Reads the whole file at `path`.
    static func read(_ path: String) throws(KnowledgeBaseError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        let expected = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        var bytes = [UInt8](repeating: 0, count: max(expected, 4096))
        var count = 0
        while true {
            if count == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, bytes.count))) }
            let n = bytes.withUnsafeMutableBytes { buffer in
                posixRead(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot read \(path): \(errnoText())")
            }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// Writes `bytes` to `path`, replacing it.
    static func write(_ bytes: [UInt8], to path: String) throws(KnowledgeBaseError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("cannot create \(path): \(errnoText())") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                posixWrite(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("cannot write \(path): \(errnoText())")
            }
            written += n
        }
    }

    /// Entry names in `directory` (without `.` and `..`), unsorted; empty when unreadable.
    static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Files under `root` (recursively, following no directory links, skipping dot-files)
    /// whose names `include` accepts, sorted by relative path.
    static func walk(
        _ root: String, include: (String) -> Bool, skipDirectory: (String) -> Bool = { _ in false }
    ) -> [FoundFile] {
        var found: [FoundFile] = []
        var pending: [String] = [""]
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            for name in list(directory) where !name.hasPrefix(".") {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                let path = root + "/" + childRelative
                guard let info = info(path) else { continue }
                if info.isDirectory {
                    if !isSymbolicLink(path) && !skipDirectory(childRelative) { pending.append(childRelative) }
                } else if info.isRegular, include(name) {
                    found.append(FoundFile(relativePath: childRelative, info: info))
                }
            }
        }
        found.sort { $0.relativePath < $1.relativePath }
        return found
    }

    /// Creates `path` and its parents (mode 0755) when missing.
    static func makeDirectories(_ path: String) throws(KnowledgeBaseError) {
        if let info = info(path) {
            if info.isDirectory { return }
            throw .io("\(path) exists and is not a directory")
        }
        let parent = parentDirectory(path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .io("cannot create directory \(path): \(errnoText())")
        }
    }

    /// Atomically replaces `destination` with `source`, then syncs the directory.
    static func replace(_ destination: String, with source: String) throws(KnowledgeBaseError) {
        guard rename(source, destination) == 0 else {
            throw .io("cannot rename \(source) to \(destination): \(errnoText())")
        }
        syncDirectory(parentDirectory(destination))
    }

    /// Flushes `path` to disk.
    static func sync(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func syncDirectory(_ path: String) {
        sync(path.isEmpty ? "." : path)
    }

    /// Removes the file at `path` if it exists.
    static func remove(_ path: String) {
        unlink(path)
    }

    /// The directory part of `path` ("" for a bare name).
    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last path component of `path`, without trailing slashes.
    static func baseName(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The process id, for unique temporary names.
    static var processID: Int32 { getpid() }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

// `read` and `write` are shadowed by the static methods inside `FileSystem`.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
