/// A dictd database: the `.index` (headword, offset, length per line) and the
/// decompressed `.dict` text it points into.
struct DictdDatabase: Sendable {
    /// One line of the index.
    struct IndexEntry: Sendable, Equatable {
        var headword: String
        var offset: Int
        var length: Int
    }

    /// Index lines in file order, without the `00-database-*` meta entries.
    var entries: [IndexEntry]
    /// The whole dictionary text.
    var dictionary: [UInt8]
    /// For each entry, whether it is the index line an entry's text is read under.
    ///
    /// GCIDE and FOLDOC point several headwords at one text: compounds ("Bank beaver")
    /// at the entries that define them ("Bank", "Beaver"), aliases ("tcp") at the full
    /// name. A text is read once, under the index line whose headword is the one the text
    /// starts with (case-insensitively), else under its first index line. (WordNet gives
    /// each synonym its own copy; see ``DictionaryFormat/parseWordNet(_:)``.)
    var isPrimary: [Bool]

    init(entries: [IndexEntry], dictionary: [UInt8]) {
        self.entries = entries
        self.dictionary = dictionary
        var owners: [SIMD2<Int>: Int] = [:]
        owners.reserveCapacity(entries.count)
        var ownHeadwords: [SIMD2<Int>: String] = [:]
        for (position, entry) in entries.enumerated() {
            let key = SIMD2(entry.offset, entry.length)
            guard let current = owners[key] else {
                owners[key] = position
                continue
            }
            let own: String
            if let known = ownHeadwords[key] {
                own = known
            } else {
                own = DictdDatabase.leadingHeadword(dictionary, entry).lowercased()
                ownHeadwords[key] = own
            }
            if entries[current].headword.lowercased() != own, entry.headword.lowercased() == own {
                owners[key] = position
            }
        }
        var primary = [Bool](repeating: false, count: entries.count)
        for position in owners.values { primary[position] = true }
        isPrimary = primary
    }

    /// The headword a text starts with: its first line, up to a GCIDE pronunciation (` \`).
    static func leadingHeadword(_ dictionary: [UInt8], _ entry: IndexEntry) -> String {
        guard entry.offset >= 0, entry.offset < dictionary.count else { return "" }
        let end = min(dictionary.count, entry.offset + entry.length)
        var stop = entry.offset
        while stop < end, dictionary[stop] != 0x0A {
            if dictionary[stop] == UInt8(ascii: "\\"), stop > entry.offset, dictionary[stop - 1] == 0x20 {
                stop -= 1
                break
            }
            stop += 1
        }
        return String(decoding: dictionary[entry.offset..<stop], as: UTF8.self).trimmingSpaces()
    }

    /// Loads `indexPath` and `dictPath` (gzip/dictzip when it starts with the gzip magic).
    init(indexPath: String, dictPath: String) throws(KnowledgeBaseError) {
        let index = try FileSystem.read(indexPath)
        var dictionary = try FileSystem.read(dictPath)
        if Gzip.isCompressed(dictionary) {
            dictionary = try Gzip.decompress(dictionary)
        }
        self.init(entries: DictdDatabase.parseIndex(index), dictionary: dictionary)
    }

    /// The text of `entry`, or `nil` when its range falls outside the dictionary.
    func text(of entry: IndexEntry) -> String? {
        guard entry.offset >= 0, entry.length >= 0, entry.offset + entry.length <= dictionary.count else { return nil }
        return String(decoding: dictionary[entry.offset..<(entry.offset + entry.length)], as: UTF8.self)
    }

    /// Parses index lines `headword \t offset \t length` (offset and length in dictd base 64).
    /// Malformed lines and `00-database-*` entries are skipped.
    static func parseIndex(_ bytes: [UInt8]) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        entries.reserveCapacity(bytes.count / 24)
        var lineStart = 0
        let count = bytes.count
        while lineStart < count {
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if let entry = parseLine(bytes, lineStart, lineEnd) { entries.append(entry) }
            lineStart = lineEnd + 1
        }
        return entries
    }

    private static func parseLine(_ bytes: [UInt8], _ start: Int, _ end: Int) -> IndexEntry? {
        var tabs: [Int] = []
        var i = start
        while i < end {
            if bytes[i] == 0x09 { tabs.append(i) }
            i += 1
        }
        guard tabs.count >= 2 else { return nil }
        var lineEnd = end
        if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        let headword = String(decoding: bytes[start..<tabs[0]], as: UTF8.self)
        if headword.hasPrefix("00-database-") || headword.hasPrefix("00database") { return nil }
        guard let offset = decodeNumber(bytes[(tabs[0] + 1)..<tabs[1]]),
            let length = decodeNumber(bytes[(tabs[1] + 1)..<(tabs.count > 2 ? tabs[2] : lineEnd)])
        else { return nil }
        return IndexEntry(headword: headword, offset: offset, length: length)
    }

    /// Decodes a dictd number: digits of base 64 in the alphabet `A-Za-z0-9+/`, most significant first.
    static func decodeNumber<C: Collection<UInt8>>(_ digits: C) -> Int? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = Int(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = Int(byte - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): digit = 62
            case UInt8(ascii: "/"): digit = 63
            default: return nil
            }
            value = value * 64 + digit
        }
        return value
    }

    /// Encodes `value` as a dictd base-64 number (used to write fixtures).
    static func encodeNumber(_ value: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        if value == 0 { return "A" }
        var digits: [Character] = []
        var rest = value
        while rest > 0 {
            digits.append(alphabet[rest % 64])
            rest /= 64
        }
        return String(digits.reversed())
    }
}
