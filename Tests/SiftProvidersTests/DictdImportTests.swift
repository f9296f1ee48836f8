import Testing

@testable import SiftProviders

@Suite("dictd import")
struct DictdImportTests {
    @Test("decodes dictd base-64 numbers", arguments: [
        ("A", 0), ("B", 1), ("Z", 25), ("a", 26), ("0", 52), ("+", 62), ("/", 63), ("BA", 64), ("Hq", 490),
        ("PjPt", 4_076_525), ("BOVjV", 20_535_509),
    ])
    func decodeNumber(_ digits: String, _ value: Int) {
        #expect(DictdDatabase.decodeNumber(Array(digits.utf8)) == value)
        #expect(DictdDatabase.encodeNumber(value) == digits)
    }

    @Test("rejects digits outside the alphabet")
    func badDigits() {
        #expect(DictdDatabase.decodeNumber(Array("A=".utf8)) == nil)
        #expect(DictdDatabase.decodeNumber([UInt8]()) == nil)
    }

    @Test("parses index lines and skips meta entries and malformed lines")
    func parseIndex() {
        let index = "00-database-info\tA\tB\ncanberra\tPjPt\tCg\nno tabs here\nbad\t!!\tB\ncapital of australia\tP3BM\tCs\r\n"
        let entries = DictdDatabase.parseIndex(Array(index.utf8))
        #expect(
            entries == [
                .init(headword: "canberra", offset: 4_076_525, length: 160),
                .init(headword: "capital of australia", offset: 4_157_516, length: 172),
            ])
    }

    @Test("slices entries from a dictzip file and cleans WordNet senses")
    func wordNetFixture() throws {
        let directory = try TemporaryDirectory()
        try DictdFixture.wordNet.write(to: directory, name: "wn")
        let database = try DictdDatabase(indexPath: directory.path + "/wn.index", dictPath: directory.path + "/wn.dict.dz")
        #expect(database.entries.count == 3)
        #expect(database.text(of: database.entries[1])?.hasPrefix("Canberra\n") == true)

        let documents = DictionaryFormat.wordNet.documents(from: database, collection: "WordNet")
        #expect(documents.map(\.title) == ["bank", "Canberra"])
        let canberra = try #require(documents.last)
        #expect(canberra.url == "kb://wordnet/Canberra")
        #expect(canberra.kind == .entry)
        #expect(
            canberra.passages == [
                .init(
                    context: "Australian capital, capital of Australia",
                    text:
                        "Canberra: the capital of Australia; located in southeastern Australia"
                        + " [syn: Australian capital, capital of Australia]")
            ])
        let bank = try #require(documents.first)
        #expect(
            bank.passages.map(\.text) == [
                "bank: sloping land (especially the slope beside a body of water)",
                // The sense's other names stay readable at its end.
                "bank: a financial institution that accepts deposits and channels the money into lending activities"
                    + " [syn: depository financial institution, banking concern]",
                "bank: tip laterally",
            ])
        // "capital of Australia" repeats Canberra's gloss: a multi-word member keeps no copy.
        #expect(!documents.contains { $0.title == "capital of Australia" })
    }

    @Test("reads GCIDE entries: senses, notes and compounds without markup")
    func gcideFixture() throws {
        let directory = try TemporaryDirectory()
        try DictdFixture.gcide.write(to: directory, name: "gcide")
        let database = try DictdDatabase(
            indexPath: directory.path + "/gcide.index", dictPath: directory.path + "/gcide.dict.dz")
        let documents = DictionaryFormat.gcide.documents(from: database, collection: "GCIDE")
        #expect(documents.map(\.title) == ["Bank", "Canberra"])
        #expect(documents[1].passages.map(\.text) == ["Canberra: The capital city of Australia. Population (2000) = 307,700."])
        #expect(
            documents[0].passages.map(\.text) == [
                "Bank: A mound, pile, or ridge of earth, raised above the surrounding level; as, a bank of clouds.",
                "Bank: (Aëronautics) The lateral inclination of an aëroplane as it rounds a curve.",
                "Bank: A bank is sometimes a shelf under water.",
                "Bank beaver: (Zool.), the otter. [Local, U.S.]",
            ])
    }

    @Test("reads FOLDOC entries under their own headword, with aliases as context")
    func foldocFixture() throws {
        let directory = try TemporaryDirectory()
        try DictdFixture.foldoc.write(to: directory, name: "foldoc")
        let database = try DictdDatabase(
            indexPath: directory.path + "/foldoc.index", dictPath: directory.path + "/foldoc.dict.dz")
        let documents = DictionaryFormat.foldoc.documents(from: database, collection: "FOLDOC")
        #expect(documents.map(\.title) == ["Transmission Control Protocol"])
        #expect(documents[0].url == "kb://foldoc/Transmission%20Control%20Protocol")
        #expect(
            documents[0].passages == [
                .init(
                    context: "TCP, networking, protocol",
                    text:
                        "Transmission Control Protocol: (TCP) The most common transport layer protocol used on the Internet.\nTCP is defined in RFC 793."
                )
            ])
    }

    @Test("gzip round-trips, joins members and rejects corrupt data")
    func gzip() throws {
        let text = Array(String(repeating: "dictzip ", count: 10_000).utf8)
        let compressed = try Gzip.compress(text)
        #expect(Gzip.isCompressed(compressed))
        #expect(try Gzip.decompress(compressed) == text)
        #expect(try Gzip.decompress(compressed + (try Gzip.compress(Array("tail".utf8)))) == text + Array("tail".utf8))
        var corrupt = compressed
        corrupt[corrupt.count / 2] ^= 0xFF
        #expect(throws: KnowledgeBaseError.self) { try Gzip.decompress(corrupt) }
        #expect(throws: KnowledgeBaseError.self) { try Gzip.decompress(Array(compressed.prefix(20))) }
        #expect(throws: KnowledgeBaseError.self) { try Gzip.decompress(text, limit: 10) }
    }

    @Test("a gzip file made by the gzip tool reads the same")
    func gzipTool() throws {
        let directory = try TemporaryDirectory()
        try directory.write("made by gzip\n", to: "plain.txt")
        guard shell("gzip -n \(directory.path)/plain.txt") == 0 else { return }  // No gzip here: zlib covers it.
        let bytes = try FileSystem.read(directory.path + "/plain.txt.gz")
        #expect(try Gzip.decompress(bytes) == Array("made by gzip\n".utf8))
    }
}

/// Builds dictd fixtures: an index and a dictzip'd dictionary.
struct DictdFixture {
    /// (headwords pointing at the entry, entry text)
    var entries: [(headwords: [String], text: String)]

    func write(to directory: TemporaryDirectory, name: String) throws {
        var dictionary = "00-database-info\nThis is a fixture.\n"
        var lines: [(String, Int, Int)] = [("00-database-info", 0, dictionary.utf8.count)]
        for entry in entries {
            let offset = dictionary.utf8.count
            dictionary += entry.text
            for headword in entry.headwords { lines.append((headword, offset, entry.text.utf8.count)) }
        }
        lines.sort { $0.0.lowercased() < $1.0.lowercased() }
        let index = lines.map {
            "\($0.0)\t\(DictdDatabase.encodeNumber($0.1))\t\(DictdDatabase.encodeNumber($0.2))\n"
        }.joined()
        try directory.write(index, to: "\(name).index")
        try directory.write(try Gzip.compress(Array(dictionary.utf8)), to: "\(name).dict.dz")
    }

    static let wordNet = DictdFixture(entries: [
        (
            ["canberra"],
            """
            Canberra
                n 1: the capital of Australia; located in southeastern Australia
                     [syn: {Canberra}, {Australian capital}, {capital of
                     Australia}]

            """
        ),
        (
            ["capital of australia"],
            """
            capital of Australia
                n 1: the capital of Australia; located in southeastern Australia
                     [syn: {Canberra}, {Australian capital}, {capital of
                     Australia}]

            """
        ),
        (
            ["bank"],
            """
            bank
                n 1: sloping land (especially the slope beside a body of water);
                     "they pulled the canoe up on the bank"
                2: a financial institution that accepts deposits and channels
                   the money into lending activities; "he cashed a check at the
                   bank" [syn: {depository financial institution}, {bank}, {banking
                   concern}]
                v 1: tip laterally; "the pilot had to bank the aircraft" [ant:
                     {unbank}]

            """
        ),
    ])

    static let gcide = DictdFixture(entries: [
        (
            ["Canberra"],
            """
            Canberra \\Canberra\\ prop. n. (Geography)
               The capital city of Australia. Population (2000) = 307,700.
               [PJC]

            """
        ),
        (
            ["Bank", "Bank beaver"],
            """
            Bank \\Bank\\ (b[a^][ng]k), n. [OE. banke; akin to E. bench, and
               prob. of Scand. origin. See {Bench}.]
               1. A mound, pile, or ridge of earth, raised above the
                  surrounding level; as, a bank of clouds.
                  [1913 Webster]

                        They cast up a bank against the city. --2 Sam. xx.
                  [1913 Webster]

               2. (A["e]ronautics) The lateral inclination of an
                  a["e]roplane as it rounds a curve.
                  [Webster 1913 Suppl.]

               Note: A {bank} is sometimes a shelf under water. --Shak.

               {Bank beaver} (Zool.), the otter. [Local, U.S.]
                  [1913 Webster]

            """
        ),
    ])

    static let foldoc = DictdFixture(entries: [
        (
            ["transmission control protocol", "tcp"],
            """
            Transmission Control Protocol
            TCP

               <networking, protocol> (TCP) The most common {transport layer}
               {protocol} used on the {Internet}.

               TCP is defined in {RFC} 793.

               (2001-06-14)

            """
        )
    ])
}
