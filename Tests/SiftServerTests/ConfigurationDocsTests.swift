import Testing

@testable import SiftServer

/// docs/configuration.md's table is written for people, but every row's names come from the one
/// declaration of each key (``ConfigKeys``): this test fails when a key is declared without its row,
/// when a row names a key that no longer exists, or when a row's variable or flag differs.
@Suite("docs/configuration.md matches ConfigKeys")
struct ConfigurationDocsTests {
    static let path = String(#filePath.dropLast("Tests/SiftServerTests/ConfigurationDocsTests.swift".count))
        + "docs/configuration.md"

    /// The first three cells of each table row that names a key: (key, variable, flag).
    static func rows() throws -> [(String, String, String)] {
        let text = try TextFile.read(path)
        return text.split(separator: "\n").compactMap { line -> (String, String, String)? in
            guard line.hasPrefix("| `") else { return nil }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                String($0.trimmingCharacters(in: " ").filter { $0 != "`" })
            }
            guard cells.count > 4, cells[2].hasPrefix("SIFT_") else { return nil }
            return (cells[1], cells[2], cells[3])
        }
    }

    @Test func everyKeyHasItsRowWithItsVariableAndFlag() throws {
        let rows = try Self.rows()
        let documented = Dictionary(rows.map { ($0.0, ($0.1, $0.2)) }, uniquingKeysWith: { first, _ in first })
        for key in ConfigKeys.all where key != ConfigKeys.config {
            let row = documented[key.name]
            #expect(row != nil, "docs/configuration.md has no row for \(key.name)")
            #expect(row?.0 == key.environment, "\(key.name): the row says \(row?.0 ?? "nothing"), the key \(key.environment)")
            #expect(row?.1 == "--" + key.flag, "\(key.name): the row says \(row?.1 ?? "nothing"), the flag is --\(key.flag)")
        }
        let declared = Set(ConfigKeys.all.map(\.name))
        for (name, _, _) in rows {
            #expect(declared.contains(name), "docs/configuration.md documents \(name), which siftd does not read")
        }
    }
}
