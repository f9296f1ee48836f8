import NIOCore

/// One file of the browser client.
struct BrowserAsset: Sendable {
    /// The file name, as in the URL (`app.js`).
    let name: String
    let contentType: String
    let text: String
}

/// The browser client's files: plain HTML, CSS and ES modules, no framework and no build
/// step. The files live in browser/ in the repository; scripts/gen-browser-assets.py copies
/// them into `files` (BrowserAssets+Files.swift) so that siftd is one self-contained binary.
///
/// Every file but the page is served at `/assets/<version>/<name>`, where the version is a
/// hash of all the files: a URL's content never changes, so browsers may keep it for a year,
/// and a new build's page names new URLs. The page itself (`/`) is revalidated every time.
enum BrowserAssets {
    /// The path prefix of this build's assets: `/assets/<version>`.
    static let prefix = "/assets/" + version

    /// This build's version: a hash of every file.
    static let version = version(of: files)

    /// A hash of every file's name and text (FNV-1a, 64 bits, in hex).
    static func version(of files: [BrowserAsset]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for file in files {
            for byte in file.name.utf8 + [0] + file.text.utf8 + [0] {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The page, with its asset URLs under ``prefix``.
    static let indexHTML: String = {
        guard let page = files.first(where: { $0.name == "index.html" }) else { return "" }
        return page.text.replacing("%ASSETS%", with: prefix)
    }()

    /// The files served under ``prefix``, with their bodies ready to send.
    static let served: [String: (asset: BrowserAsset, body: ByteBuffer)] = Dictionary(
        uniqueKeysWithValues: files.filter { $0.name != "index.html" }.map { ($0.name, ($0, ByteBuffer(string: $0.text))) })
}
