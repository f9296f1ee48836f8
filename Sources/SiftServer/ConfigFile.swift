#if canImport(Glibc)
import Glibc
#endif

import SiftCore

extension ConfigFile {
    /// The text of the config file at `path`: nil when it does not exist, an error when it
    /// exists but cannot be read (a present config file is never silently ignored).
    public static func read(path: String) throws(ConfigurationError) -> String? {
        do {
            return try TextFile.read(path)
        } catch {
            if error.code == ENOENT { return nil }
            throw ConfigurationError("config file \(path) exists but cannot be read: \(error.message).")
        }
    }
}

extension StringProtocol {
    /// Drops leading and trailing characters in `set`.
    func trimmingCharacters(in set: String) -> String {
        // By scalars: in " \t\r\n" the pair \r\n is one Character, which would not match a lone \n.
        func member(_ character: Character) -> Bool { character.unicodeScalars.allSatisfy(set.unicodeScalars.contains) }
        var slice = Substring(self)
        while let first = slice.first, member(first) { slice.removeFirst() }
        while let last = slice.last, member(last) { slice.removeLast() }
        return String(slice)
    }
}
