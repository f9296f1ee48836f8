/// The readable text of a document: a title and its blocks in reading order.
///
/// Produced by ``HTMLTextExtractor`` from HTML, and by the knowledge-base importers
/// from man pages, Markdown and plain text; consumed by ``PassageSplitter``.
public struct ReadableDocument: Sendable, Equatable {
    /// One unit of text: a heading, a paragraph, a list item or a preformatted block.
    public struct Block: Sendable, Equatable {
        /// What a block is.
        public enum Kind: Sendable, Equatable {
            /// A section heading, `level` 1 (document title) to 6.
            case heading(level: Int)
            /// Running text.
            case paragraph
            /// An item of a list (also a definition term or description).
            case listItem
            /// Preformatted text (code, a table drawn with spaces); keeps its line breaks.
            case preformatted
        }

        /// What the block is.
        public var kind: Kind
        /// Its text: whitespace collapsed to single spaces, except in preformatted blocks.
        public var text: String

        /// A block of `kind` with `text`.
        public init(kind: Kind, text: String) {
            self.kind = kind
            self.text = text
        }

        /// Whether the block is a heading.
        public var isHeading: Bool {
            if case .heading = kind { return true }
            return false
        }
    }

    /// The document's title (`<title>` for HTML), whitespace collapsed; may be empty.
    public var title: String
    /// The blocks, in reading order.
    public var blocks: [Block]

    /// A document with `title` and `blocks`.
    public init(title: String, blocks: [Block]) {
        self.title = title
        self.blocks = blocks
    }

    /// The first level-1 heading, else the first heading of any level; `nil` when there is none.
    public var mainHeading: String? {
        var first: String?
        for block in blocks {
            guard case .heading(let level) = block.kind else { continue }
            if level == 1 { return block.text }
            if first == nil { first = block.text }
        }
        return first
    }

    /// The text of every block, one block a line.
    public var text: String {
        blocks.map(\.text).joined(separator: "\n")
    }
}

/// Turns HTML into a ``ReadableDocument``: the title and the headings, paragraphs, list
/// items and preformatted blocks of the page's content.
///
/// Navigation, headers and footers, sidebars (Sphinx `sphinxsidebar`, `related`, `footer`,
/// Read-the-Docs navigation), scripts, styles, forms and hidden elements are dropped.
/// When the page marks its main content (`<main>`, `<article>`, `role="main"`,
/// `itemprop="articleBody"`), only that content is kept. Entities are decoded (common
/// named ones and all numeric ones) and whitespace is collapsed outside `<pre>`.
///
/// Pages that mark nothing, and boilerplate inside the marked content, are cleaned by two
/// heuristics decided when an element closes:
///
/// - **Boilerplate names.** A container whose class or id words (split at `-`, `_`, digits
///   and camelCase) name boilerplate is dropped: cookie and consent notices, share and
///   social bars, related links, comments, newsletter and subscription boxes, ads and
///   promos, popups and modals, sidebars, menus, breadcrumbs, pagination, footers. The
///   words `header`, `banner` and `branding` count only outside marked main content,
///   without a content word in the element's names (`site-header` goes, `article-header`
///   and `page-header` stay), and around no heading (`card-header` with its `<h4>` stays).
///   Only containers (`div`, `section`, lists, tables, …) are judged, never `<html>`,
///   `<body>`, `<main>`, role `main`, headings, paragraphs, list items or inline elements
///   (their ids are often API anchors such as `http.cookiejar.CookieJar`), nor anything in
///   `<pre>`, a container holding the main content, or a name that describes a state or a
///   layout (`has-sidebar`, `wy-grid-for-nav`, `content-sidebar-wrap`). Ids are not read
///   on sections, tables and docutils `section` elements: they come from headings
///   ("Comments"); for the same reason the fixed list of boilerplate ids (`comments`,
///   `sidebar`, `toc`, …) does not apply to sections and headings either.
/// - **Headers.** A `<header>` outside marked main content is dropped unless one of its
///   names has a content word (`<header class="entry-header">` holds a post's title).
/// - **Link density.** Outside marked main content, a list, table, `div` or `section`
///   whose text is mostly link text with few other words (a menu, a tag cloud, a list
///   of related links) is dropped, unless it holds an `<h1>` or is one heading (a linked
///   title). Inside it, lists of links are often content and are kept.
///
/// When the heuristics would leave almost nothing (under 50 words and a quarter of the
/// text), what they dropped is kept after all: a page of links is better read as links.
///
/// The scanner works on bytes in one pass without a regex engine and never fails:
/// malformed HTML (unclosed or stray tags, unterminated comments, bad entities) yields
/// the best text it can. Input is taken as UTF-8; invalid bytes become U+FFFD.
public struct HTMLTextExtractor: Sendable {
    /// Longest preformatted block kept, in bytes; longer ones are cut at a line break.
    public var maxPreformattedBytes: Int

    /// An extractor; preformatted blocks longer than `maxPreformattedBytes` are cut.
    public init(maxPreformattedBytes: Int = 4096) {
        self.maxPreformattedBytes = maxPreformattedBytes
    }

    /// Extracts the readable text of `html`.
    public func extract(_ html: String) -> ReadableDocument {
        var html = html
        return html.withUTF8 { extract(bytes: $0) }
    }

    /// Extracts the readable text of the UTF-8 bytes `html`.
    public func extract(_ html: [UInt8]) -> ReadableDocument {
        html.withUnsafeBufferPointer { extract(bytes: $0) }
    }

    /// Extracts the readable text of the UTF-8 bytes `bytes`.
    public func extract(bytes: UnsafeBufferPointer<UInt8>) -> ReadableDocument {
        var scanner = HTMLScanner(input: bytes, maxPreformattedBytes: maxPreformattedBytes)
        scanner.run()
        return scanner.document()
    }
}

// MARK: - Scanner

private struct HTMLScanner {
    struct OpenElement {
        var name: String
        var skips: Bool
        var isMain: Bool
        var isLink = false
        var blockKind: ReadableDocument.Block.Kind?
        /// Set for containers the boilerplate heuristics judge when they close.
        var region: Region?
    }

    /// What the heuristics need to judge a container when it closes: the counters when it opened.
    struct Region {
        var boilerplate: Boilerplate.Mark
        var judgesLinkDensity: Bool
        var firstBlock: Int
        var stats: TextStats
        var dropped: TextStats
        var mainOpened: Int
    }

    /// Running counts of the text gathered (characters, not bytes; words; blocks).
    struct TextStats {
        var characters = 0
        var linkCharacters = 0
        var words = 0
        var linkWords = 0
        var blocks = 0
        var headings = 0
        var level1Headings = 0

        static func - (a: TextStats, b: TextStats) -> TextStats {
            TextStats(
                characters: a.characters - b.characters, linkCharacters: a.linkCharacters - b.linkCharacters,
                words: a.words - b.words, linkWords: a.linkWords - b.linkWords, blocks: a.blocks - b.blocks,
                headings: a.headings - b.headings, level1Headings: a.level1Headings - b.level1Headings)
        }

        static func + (a: TextStats, b: TextStats) -> TextStats {
            TextStats(
                characters: a.characters + b.characters, linkCharacters: a.linkCharacters + b.linkCharacters,
                words: a.words + b.words, linkWords: a.linkWords + b.linkWords, blocks: a.blocks + b.blocks,
                headings: a.headings + b.headings, level1Headings: a.level1Headings + b.level1Headings)
        }
    }

    let input: UnsafeBufferPointer<UInt8>
    let maxPreformattedBytes: Int
    var index = 0
    var stack: [OpenElement] = []
    var skipDepth = 0
    var mainDepth = 0
    var preDepth = 0
    var linkDepth = 0
    /// Counts of all text gathered, and of the text in dropped containers.
    var stats = TextStats()
    var droppedStats = TextStats()
    /// How many main-content elements have opened so far.
    var mainOpened = 0

    var text: [UInt8] = []
    var pendingSpace = false
    var currentKind: ReadableDocument.Block.Kind = .paragraph
    var blocks: [(block: ReadableDocument.Block, inMain: Bool, dropped: Bool)] = []
    var sawMain = false
    var title: [UInt8] = []
    var haveTitle = false

    init(input: UnsafeBufferPointer<UInt8>, maxPreformattedBytes: Int) {
        self.input = input
        self.maxPreformattedBytes = maxPreformattedBytes
        text.reserveCapacity(1024)
    }

    mutating func run() {
        let count = input.count
        while index < count {
            let byte = input[index]
            if byte == UInt8(ascii: "<") {
                scanMarkup()
            } else if byte == UInt8(ascii: "&") {
                index += 1
                if skipDepth == 0 { decodeEntity(into: .body) }
            } else {
                if skipDepth == 0 { appendText(byte) }
                index += 1
            }
        }
        flush()
    }

    func document() -> ReadableDocument {
        let keepAll = !sawMain || !blocks.contains { $0.inMain }
        let candidates = blocks.filter { keepAll || $0.inMain }
        var kept = candidates.compactMap { $0.dropped ? nil : $0.block }
        if kept.count < candidates.count {
            // The heuristics must not empty a page: a page of links is better read as links.
            var totalBytes = 0
            for candidate in candidates { totalBytes += candidate.block.text.utf8.count }
            var keptBytes = 0
            var keptWords = 0
            for block in kept {
                keptBytes += block.text.utf8.count
                keptWords += PassageSplitter.wordCount(block.text)
            }
            if keptWords < 50 && keptBytes * 4 < totalBytes { kept = candidates.map(\.block) }
        }
        return ReadableDocument(title: TextNormalization.foldSpaces(title, isSpace: isSpace), blocks: kept)
    }

    // MARK: Text

    enum Sink { case body, title }

    mutating func appendText(_ byte: UInt8) {
        if preDepth > 0 {
            if byte == UInt8(ascii: "\r") { return }
            if text.count < maxPreformattedBytes {
                if !isSpace(byte) { count(byte, startsWord: text.isEmpty || isSpace(text[text.count - 1])) }
                text.append(byte)
            }
            return
        }
        if isSpace(byte) {
            if !text.isEmpty { pendingSpace = true }
            return
        }
        count(byte, startsWord: pendingSpace || text.isEmpty)
        if pendingSpace {
            text.append(0x20)
            pendingSpace = false
        }
        text.append(byte)
    }

    /// Counts a non-space byte of body text in ``stats``: a character unless it continues
    /// a UTF-8 sequence, and a word when it follows a space.
    mutating func count(_ byte: UInt8, startsWord: Bool) {
        guard byte & 0xC0 != 0x80 else { return }
        stats.characters += 1
        if startsWord { stats.words += 1 }
        // Code with cross-reference links is code, not a list of links.
        if linkDepth > 0 && preDepth == 0 {
            stats.linkCharacters += 1
            if startsWord { stats.linkWords += 1 }
        }
    }

    mutating func appendScalar(_ scalar: Unicode.Scalar, into sink: Sink) {
        if scalar == "\u{A0}" || scalar == "\u{2002}" || scalar == "\u{2003}" || scalar == "\u{2009}" {
            switch sink {
            case .body: appendText(0x20)
            case .title: title.append(0x20)
            }
            return
        }
        if scalar == "\u{AD}" || scalar == "\u{200B}" || scalar == "\u{200C}" || scalar == "\u{200D}" { return }
        for unit in UTF8.encode(scalar)! {
            switch sink {
            case .body: appendText(unit)
            case .title: title.append(unit)
            }
        }
    }

    /// Flushes the text gathered so far as a block of the current kind.
    mutating func flush() {
        pendingSpace = false
        guard !text.isEmpty else { return }
        var string: String
        if case .preformatted = currentKind {
            string = trimPreformatted(text)
        } else {
            string = String(decoding: text, as: UTF8.self)
        }
        text.removeAll(keepingCapacity: true)
        if string.isEmpty { return }
        if case .preformatted = currentKind, string.utf8.count >= maxPreformattedBytes {
            string += "\n…"
        }
        blocks.append((ReadableDocument.Block(kind: currentKind, text: string), mainDepth > 0, false))
        stats.blocks += 1
        if case .heading(let level) = currentKind {
            stats.headings += 1
            if level == 1 { stats.level1Headings += 1 }
        }
    }

    // MARK: Markup

    mutating func scanMarkup() {
        let count = input.count
        let next = index + 1 < count ? input[index + 1] : 0
        if next == UInt8(ascii: "!") {
            if matches("<!--", at: index) {
                index = find("-->", from: index + 4).map { $0 + 3 } ?? count
            } else if matches("<![CDATA[", at: index) {
                let end = find("]]>", from: index + 9) ?? count
                if skipDepth == 0 {
                    for i in (index + 9)..<end { appendText(input[i]) }
                }
                index = min(count, end + 3)
            } else {
                index = findByte(UInt8(ascii: ">"), from: index + 2).map { $0 + 1 } ?? count
            }
            return
        }
        if next == UInt8(ascii: "?") {
            index = findByte(UInt8(ascii: ">"), from: index + 2).map { $0 + 1 } ?? count
            return
        }
        if next == UInt8(ascii: "/") {
            let nameStart = index + 2
            if nameStart < count, isLetter(input[nameStart]) {
                let (name, afterName) = readName(from: nameStart)
                index = findByte(UInt8(ascii: ">"), from: afterName).map { $0 + 1 } ?? count
                endTag(name)
            } else {
                // A bogus comment such as `</ >` or `</3`.
                index = findByte(UInt8(ascii: ">"), from: index + 2).map { $0 + 1 } ?? count
            }
            return
        }
        guard isLetter(next) else {
            // A lone `<` is text.
            if skipDepth == 0 { appendText(UInt8(ascii: "<")) }
            index += 1
            return
        }
        let (name, afterName) = readName(from: index + 1)
        var attributes = Attributes()
        let (end, selfClosing) = readAttributes(from: afterName, into: &attributes)
        index = end
        startTag(name, attributes: attributes, selfClosing: selfClosing)
    }

    struct Attributes {
        var classes: String = ""
        var id: String = ""
        var role: String = ""
        var itemprop: String = ""
        var hidden = false
        var hasHref = false
    }

    mutating func startTag(_ name: String, attributes: Attributes, selfClosing: Bool) {
        switch name {
        case "script", "style", "xmp", "noembed", "noframes", "iframe", "plaintext":
            if !selfClosing { skipRawText(name) }
            return
        case "title":
            if selfClosing { return }
            let end = findClosing("title", from: index)
            if !haveTitle && !stack.contains(where: { $0.name == "svg" || $0.name == "math" }) {
                haveTitle = true
                var i = index
                while i < end.start {
                    if input[i] == UInt8(ascii: "&") {
                        index = i + 1
                        decodeEntity(into: .title)
                        i = index
                    } else {
                        title.append(input[i])
                        i += 1
                    }
                }
            }
            index = end.after
            return
        case "textarea":
            if !selfClosing { skipRawText(name) }
            return
        case "br":
            if skipDepth == 0 {
                if preDepth > 0 { appendText(UInt8(ascii: "\n")) } else { flush() }
            }
            return
        case "hr":
            if skipDepth == 0 { flush() }
            return
        case "td", "th":
            if skipDepth == 0, !text.isEmpty { pendingSpace = true }
        case "img", "input", "meta", "link", "area", "base", "col", "embed", "param", "source", "track", "wbr",
            "keygen":
            return
        default:
            break
        }
        if selfClosing { return }

        // Implicitly closed elements: a new paragraph or block ends an open `p`; a new item ends the last.
        if let top = stack.last {
            if top.name == "p", blockTags.contains(name) {
                popTo(stack.count - 1)
            } else if name == "li" || name == "dt" || name == "dd" || name == "tr" || name == "option" {
                closeSibling(of: name)
            }
        }

        let skips = shouldSkip(name, attributes)
        let marksMain = name == "main" || attributes.role == "main" || attributes.itemprop == "articleBody"
        let kind = blockKind(name)
        let judged = skipDepth == 0 && !skips && preDepth == 0 && kind != nil
        // Pages that mark their main content drop what is outside it; inside it, lists of
        // links are often content ("these modules are deprecated: …").
        let judgesLinkDensity = judged && mainDepth == 0 && linkDensityTags.contains(name)
        let mark =
            judged && !marksMain
            ? Boilerplate.mark(element: name, classes: attributes.classes, id: attributes.id) : .none
        // A comment's `<article>` is not the page's main content.
        let isMain = marksMain || (name == "article" && mark != .strong)
        if kind != nil, skipDepth == 0 { flush() }
        guard stack.count < 512 else { return }
        var region: Region?
        if mark != .none || judgesLinkDensity {
            region = Region(
                boilerplate: mark, judgesLinkDensity: judgesLinkDensity, firstBlock: blocks.count, stats: stats,
                dropped: droppedStats, mainOpened: mainOpened)
        }
        let isLink = name == "a" && attributes.hasHref
        stack.append(
            OpenElement(name: name, skips: skips, isMain: isMain, isLink: isLink, blockKind: kind, region: region))
        if skips { skipDepth += 1 }
        if isLink { linkDepth += 1 }
        if isMain {
            mainDepth += 1
            mainOpened += 1
            sawMain = true
        }
        if let kind {
            if case .preformatted = kind { preDepth += 1 }
            if skipDepth == 0 {
                // A block nested in a heading or list item keeps the outer kind; a heading always wins.
                currentKind = preDepth > 0 ? .preformatted : kind
                if case .paragraph = kind, let outer = enclosingSpecialKind() { currentKind = outer }
            }
        }
    }

    mutating func endTag(_ name: String) {
        switch name {
        case "br":
            if skipDepth == 0 { if preDepth > 0 { appendText(UInt8(ascii: "\n")) } else { flush() } }
            return
        case "p":
            // `</p>` without an open `p` is an empty paragraph: a break.
            if !stack.contains(where: { $0.name == "p" }) {
                if skipDepth == 0 { flush() }
                return
            }
        default: break
        }
        var position = stack.count - 1
        var limit = 0
        while position >= 0 && limit < 64 {
            if stack[position].name == name {
                popTo(position)
                return
            }
            position -= 1
            limit += 1
        }
    }

    /// Pops the element at `position` and everything above it.
    mutating func popTo(_ position: Int) {
        var flushed = false
        while stack.count > position {
            let element = stack.removeLast()
            if element.blockKind != nil, !flushed, skipDepth == 0 {
                flush()
                flushed = true
            }
            if element.skips { skipDepth -= 1 }
            if element.isMain { mainDepth -= 1 }
            if element.isLink { linkDepth -= 1 }
            if case .preformatted = element.blockKind { preDepth -= 1 }
            if let region = element.region, skipDepth == 0 { judge(region) }
        }
        if flushed || skipDepth == 0 {
            currentKind = enclosingKind()
        }
    }

    /// Drops the blocks of a closing container when its name marks boilerplate or it is a
    /// list of links, and counts its text as dropped so the containers around it do not.
    mutating func judge(_ region: Region) {
        let inside = (stats - region.stats) - (droppedStats - region.dropped)
        guard inside.characters > 0, mainOpened == region.mainOpened else { return }
        let drop: Bool
        switch region.boilerplate {
        case .strong: drop = true
        case .weak: drop = inside.headings == 0 && mainDepth == 0
        case .none: drop = region.judgesLinkDensity && isLinkList(inside)
        }
        guard drop else { return }
        for i in region.firstBlock..<blocks.count where !blocks[i].dropped {
            blocks[i].dropped = true
        }
        droppedStats = droppedStats + inside
    }

    /// Whether text with counts `inside` is mostly link text with few other words: a menu,
    /// a tag cloud, a list of related links; never a lone heading or one holding an `<h1>`.
    func isLinkList(_ inside: TextStats) -> Bool {
        guard inside.linkCharacters > 0, inside.level1Headings == 0 else { return false }
        if inside.blocks == 1 && inside.headings == 1 { return false }
        let density = Double(inside.linkCharacters) / Double(inside.characters)
        let otherWords = inside.words - inside.linkWords
        return (density >= 0.5 && otherWords < 8) || (density >= 0.75 && otherWords < 30)
    }

    /// Closes an open `li`/`dt`/`dd`/`tr`/`option` that a new one of the same family ends.
    mutating func closeSibling(of name: String) {
        let family: Set<String>
        let scope: Set<String>
        switch name {
        case "li":
            family = ["li"]
            scope = ["ul", "ol", "menu"]
        case "dt", "dd":
            family = ["dt", "dd"]
            scope = ["dl"]
        case "tr":
            family = ["tr"]
            scope = ["table", "tbody", "thead", "tfoot"]
        default:
            family = ["option"]
            scope = ["select", "datalist"]
        }
        var position = stack.count - 1
        while position >= 0 {
            let open = stack[position].name
            if family.contains(open) {
                popTo(position)
                return
            }
            if scope.contains(open) { return }
            position -= 1
        }
    }

    func enclosingKind() -> ReadableDocument.Block.Kind {
        if preDepth > 0 { return .preformatted }
        for element in stack.reversed() {
            if let kind = element.blockKind {
                if case .paragraph = kind { continue }
                return kind
            }
        }
        return .paragraph
    }

    func enclosingSpecialKind() -> ReadableDocument.Block.Kind? {
        for element in stack.dropLast().reversed() {
            guard let kind = element.blockKind else { continue }
            switch kind {
            case .heading, .listItem: return kind
            default: continue
            }
        }
        return nil
    }

    func blockKind(_ name: String) -> ReadableDocument.Block.Kind? {
        switch name {
        case "h1": return .heading(level: 1)
        case "h2": return .heading(level: 2)
        case "h3": return .heading(level: 3)
        case "h4": return .heading(level: 4)
        case "h5": return .heading(level: 5)
        case "h6": return .heading(level: 6)
        case "li", "dt", "dd": return .listItem
        case "pre", "listing": return .preformatted
        default: return blockTags.contains(name) ? .paragraph : nil
        }
    }

    func shouldSkip(_ name: String, _ attributes: Attributes) -> Bool {
        if skippedTags.contains(name) { return true }
        if name == "footer" && mainDepth == 0 { return true }
        if name == "header" && mainDepth == 0,
            !Boilerplate.namesContent(classes: attributes.classes, id: attributes.id)
        {
            return true
        }
        if attributes.hidden { return true }
        if !attributes.role.isEmpty, skippedRoles.contains(attributes.role) { return true }
        // Ids of sections and headings come from heading text: `<section id="comments">` is about comments.
        if !attributes.id.isEmpty, skippedIDs.contains(attributes.id.lowercased()), name != "section",
            !headingTags.contains(name), !Boilerplate.isDocutilsSection(classes: attributes.classes)
        {
            return true
        }
        if !attributes.classes.isEmpty {
            for token in attributes.classes.split(separator: " ") {
                let token = token.lowercased()
                if skippedClasses.contains(token) { return true }
            }
        }
        return false
    }

    /// Skips the content of a raw-text element up to its closing tag.
    mutating func skipRawText(_ name: String) {
        index = findClosing(name, from: index).after
    }

    /// Where `</name` (any case) starts at or after `start`, and the index after its `>`.
    func findClosing(_ name: String, from start: Int) -> (start: Int, after: Int) {
        let count = input.count
        let nameBytes = Array(name.utf8)
        var i = start
        while let lt = findByte(UInt8(ascii: "<"), from: i) {
            if lt + 1 < count, input[lt + 1] == UInt8(ascii: "/") {
                var matched = true
                for (offset, expected) in nameBytes.enumerated() {
                    let position = lt + 2 + offset
                    if position >= count || lowercase(input[position]) != expected {
                        matched = false
                        break
                    }
                }
                let after = lt + 2 + nameBytes.count
                if matched, after >= count || !isNameByte(input[after]) {
                    let close = findByte(UInt8(ascii: ">"), from: after).map { $0 + 1 } ?? count
                    return (lt, close)
                }
            }
            i = lt + 1
        }
        return (count, count)
    }

    // MARK: Entities

    /// Decodes the entity after a `&` at `index - 1`; writes `&` itself when there is none.
    mutating func decodeEntity(into sink: Sink) {
        let count = input.count
        var i = index
        if i < count, input[i] == UInt8(ascii: "#") {
            i += 1
            var hex = false
            if i < count, input[i] == UInt8(ascii: "x") || input[i] == UInt8(ascii: "X") {
                hex = true
                i += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while i < count, digits < 8 {
                let b = input[i]
                let digit: UInt32
                if b >= 0x30 && b <= 0x39 {
                    digit = UInt32(b - 0x30)
                } else if hex, b >= 0x61 && b <= 0x66 {
                    digit = UInt32(b - 0x61 + 10)
                } else if hex, b >= 0x41 && b <= 0x46 {
                    digit = UInt32(b - 0x41 + 10)
                } else {
                    break
                }
                value = value * (hex ? 16 : 10) + digit
                digits += 1
                i += 1
            }
            guard digits > 0 else {
                appendAmpersand(into: sink)
                return
            }
            while i < count, digits >= 8, isDigitLike(input[i], hex: hex) { i += 1 }
            if i < count, input[i] == UInt8(ascii: ";") { i += 1 }
            index = i
            let scalar = Unicode.Scalar(windows1252(value)) ?? "\u{FFFD}"
            appendScalar(value == 0 ? "\u{FFFD}" : scalar, into: sink)
            return
        }
        let nameStart = i
        while i < count, i - nameStart < 32, isAlphanumeric(input[i]) { i += 1 }
        guard i > nameStart else {
            appendAmpersand(into: sink)
            return
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: input[nameStart..<i]), as: UTF8.self)
        let terminated = i < count && input[i] == UInt8(ascii: ";")
        if let scalar = namedEntities[name], terminated || legacyEntities.contains(name) {
            index = terminated ? i + 1 : i
            appendScalar(scalar, into: sink)
        } else {
            appendAmpersand(into: sink)
        }
    }

    mutating func appendAmpersand(into sink: Sink) {
        switch sink {
        case .body: appendText(UInt8(ascii: "&"))
        case .title: title.append(UInt8(ascii: "&"))
        }
    }

    // MARK: Byte helpers

    func matches(_ literal: StaticString, at position: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard position + length <= input.count else { return false }
        let bytes = literal.utf8Start
        for offset in 0..<length where input[position + offset] != bytes[offset] {
            return false
        }
        return true
    }

    func find(_ literal: StaticString, from start: Int) -> Int? {
        let first = literal.utf8Start[0]
        var i = start
        while let candidate = findByte(first, from: i) {
            if matches(literal, at: candidate) { return candidate }
            i = candidate + 1
        }
        return nil
    }

    func findByte(_ byte: UInt8, from start: Int) -> Int? {
        var i = start
        let count = input.count
        while i < count {
            if input[i] == byte { return i }
            i += 1
        }
        return nil
    }

    func readName(from start: Int) -> (String, Int) {
        var i = start
        let count = input.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        while i < count, isNameByte(input[i]) {
            if bytes.count < 40 { bytes.append(lowercase(input[i])) }
            i += 1
        }
        return (String(decoding: bytes, as: UTF8.self), i)
    }

    /// Reads attributes up to the closing `>`; returns the index after it and whether the tag closed itself.
    func readAttributes(from start: Int, into attributes: inout Attributes) -> (Int, Bool) {
        let count = input.count
        var i = start
        var selfClosing = false
        while i < count {
            let b = input[i]
            if b == UInt8(ascii: ">") { return (i + 1, selfClosing) }
            if isSpace(b) {
                i += 1
                continue
            }
            if b == UInt8(ascii: "/") {
                selfClosing = true
                i += 1
                continue
            }
            selfClosing = false
            let nameStart = i
            while i < count {
                let c = input[i]
                if isSpace(c) || c == UInt8(ascii: "=") || c == UInt8(ascii: ">") || c == UInt8(ascii: "/") { break }
                i += 1
            }
            let nameEnd = i
            while i < count, isSpace(input[i]) { i += 1 }
            var valueRange = i..<i
            if i < count, input[i] == UInt8(ascii: "=") {
                i += 1
                while i < count, isSpace(input[i]) { i += 1 }
                if i < count, input[i] == UInt8(ascii: "\"") || input[i] == UInt8(ascii: "'") {
                    let quote = input[i]
                    let valueStart = i + 1
                    let valueEnd = findByte(quote, from: valueStart) ?? count
                    valueRange = valueStart..<valueEnd
                    i = min(count, valueEnd + 1)
                } else {
                    let valueStart = i
                    while i < count, !isSpace(input[i]), input[i] != UInt8(ascii: ">") { i += 1 }
                    valueRange = valueStart..<i
                }
            }
            recordAttribute(nameStart..<nameEnd, valueRange, into: &attributes)
        }
        return (count, selfClosing)
    }

    func recordAttribute(_ name: Range<Int>, _ value: Range<Int>, into attributes: inout Attributes) {
        let length = name.count
        guard length >= 2 && length <= 11 else { return }
        var key: [UInt8] = []
        key.reserveCapacity(length)
        for i in name { key.append(lowercase(input[i])) }
        func valueString() -> String {
            String(decoding: UnsafeBufferPointer(rebasing: input[value]), as: UTF8.self)
        }
        switch String(decoding: key, as: UTF8.self) {
        case "class": attributes.classes = valueString()
        case "id": attributes.id = valueString()
        case "role": attributes.role = valueString().lowercased()
        case "itemprop": attributes.itemprop = valueString()
        case "hidden": attributes.hidden = true
        case "href": attributes.hasHref = true
        case "aria-hidden": attributes.hidden = valueString().lowercased() == "true"
        default: break
        }
    }

    func trimPreformatted(_ bytes: [UInt8]) -> String {
        // Drop trailing spaces on each line, and blank lines at both ends.
        var lines: [[UInt8]] = []
        var line: [UInt8] = []
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                while let last = line.last, isSpace(last) { line.removeLast() }
                lines.append(line)
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(b == UInt8(ascii: "\t") ? 0x20 : b)
            }
        }
        while let last = line.last, isSpace(last) { line.removeLast() }
        lines.append(line)
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return String(decoding: Array(lines.joined(separator: [UInt8(ascii: "\n")])), as: UTF8.self)
    }
}

// MARK: - Tables

private func isSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0C
}

private func isLetter(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A)
}

private func isAlphanumeric(_ b: UInt8) -> Bool {
    isLetter(b) || (b >= 0x30 && b <= 0x39)
}

private func isDigitLike(_ b: UInt8, hex: Bool) -> Bool {
    (b >= 0x30 && b <= 0x39) || (hex && ((b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)))
}

private func isNameByte(_ b: UInt8) -> Bool {
    isAlphanumeric(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "_")
}

private func lowercase(_ b: UInt8) -> UInt8 {
    b >= 0x41 && b <= 0x5A ? b + 0x20 : b
}

/// Numeric references to C1 controls mean windows-1252 characters, as browsers read them.
private func windows1252(_ value: UInt32) -> UInt32 {
    switch value {
    case 0x80...0x9F: UInt32(windows1252C1[Int(value) - 0x80])
    case 0xD800...0xDFFF: 0xFFFD
    case 0x110000...: 0xFFFD
    default: value
    }
}

private let blockTags: Set<String> = [
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "html", "li", "listing", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
    "tfoot", "thead", "tr", "ul", "legend",
]

private let skippedTags: Set<String> = [
    "nav", "aside", "script", "style", "noscript", "template", "svg", "math", "form", "button", "select", "iframe",
    "object", "canvas", "dialog", "video", "audio", "map",
]

private let skippedRoles: Set<String> = [
    "navigation", "search", "banner", "contentinfo", "complementary", "menu", "menubar", "toolbar", "dialog",
    "alertdialog",
]

private let headingTags: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]

/// Containers judged by their link density.
private let linkDensityTags: Set<String> = ["div", "section", "ul", "ol", "menu", "table", "center"]

private let skippedIDs: Set<String> = [
    "sidebar", "nav", "navigation", "navbar", "footer", "header", "menu", "toc", "breadcrumbs", "comments",
]

private let skippedClasses: Set<String> = [
    "sphinxsidebar", "sphinxsidebarwrapper", "related", "footer", "headerlink", "wy-nav-side", "wy-nav-top",
    "rst-footer-buttons", "rst-versions", "nav", "navbar", "navigation", "menu", "menu-wrapper", "mobile-nav",
    "skip-link", "skiplink", "share", "social", "advert", "advertisement", "ads", "inline-search", "searchbox",
    "site-header", "site-footer", "visually-hidden", "sr-only", "screen-reader-text", "noprint", "mw-editsection",
    "reference-backlink",
]

/// Entities that browsers accept without the closing `;`.
private let legacyEntities: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "AMP", "LT", "GT", "QUOT", "copy", "reg"]

private let namedEntities: [String: Unicode.Scalar] = [
    "amp": "&", "AMP": "&", "lt": "<", "LT": "<", "gt": ">", "GT": ">", "quot": "\"", "QUOT": "\"", "apos": "'",
    "nbsp": "\u{A0}", "ensp": "\u{2002}", "emsp": "\u{2003}", "thinsp": "\u{2009}", "shy": "\u{AD}",
    "zwj": "\u{200D}", "zwnj": "\u{200C}", "mdash": "—", "ndash": "–", "hellip": "…", "copy": "©", "reg": "®",
    "trade": "™", "laquo": "«", "raquo": "»", "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "ldquo": "“",
    "rdquo": "”", "bdquo": "„", "bull": "•", "middot": "·", "times": "×", "divide": "÷", "deg": "°",
    "plusmn": "±", "para": "¶", "sect": "§", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "larr": "←",
    "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔", "lArr": "⇐", "rArr": "⇒", "hArr": "⇔", "le": "≤",
    "ge": "≥", "ne": "≠", "minus": "−", "micro": "µ", "frac12": "½", "frac14": "¼", "frac34": "¾", "sup1": "¹",
    "sup2": "²", "sup3": "³", "iexcl": "¡", "iquest": "¿", "dagger": "†", "Dagger": "‡", "prime": "′",
    "Prime": "″", "infin": "∞", "asymp": "≈", "equiv": "≡", "sum": "∑", "prod": "∏", "radic": "√", "part": "∂",
    "isin": "∈", "cap": "∩", "cup": "∪", "and": "∧", "or": "∨", "not": "¬", "forall": "∀", "exist": "∃",
    "empty": "∅", "nabla": "∇", "lambda": "λ", "Lambda": "Λ", "alpha": "α", "beta": "β", "gamma": "γ",
    "Gamma": "Γ", "delta": "δ", "Delta": "Δ", "epsilon": "ε", "theta": "θ", "pi": "π", "Pi": "Π", "sigma": "σ",
    "Sigma": "Σ", "tau": "τ", "phi": "φ", "Phi": "Φ", "omega": "ω", "Omega": "Ω", "mu": "μ", "rho": "ρ",
    "chi": "χ", "psi": "ψ", "eta": "η", "kappa": "κ", "zeta": "ζ", "xi": "ξ", "nu": "ν", "iota": "ι",
    "upsilon": "υ", "ordf": "ª", "ordm": "º", "acute": "´", "cedil": "¸", "uml": "¨", "macr": "¯", "brvbar": "¦",
    "curren": "¤", "loz": "◊", "spades": "♠", "clubs": "♣", "hearts": "♥", "diams": "♦", "check": "✓",
    "Agrave": "À", "Aacute": "Á", "Acirc": "Â", "Atilde": "Ã", "Auml": "Ä", "Aring": "Å", "AElig": "Æ",
    "Ccedil": "Ç", "Egrave": "È", "Eacute": "É", "Ecirc": "Ê", "Euml": "Ë", "Igrave": "Ì", "Iacute": "Í",
    "Icirc": "Î", "Iuml": "Ï", "ETH": "Ð", "Ntilde": "Ñ", "Ograve": "Ò", "Oacute": "Ó", "Ocirc": "Ô",
    "Otilde": "Õ", "Ouml": "Ö", "Oslash": "Ø", "Ugrave": "Ù", "Uacute": "Ú", "Ucirc": "Û", "Uuml": "Ü",
    "Yacute": "Ý", "THORN": "Þ", "szlig": "ß", "agrave": "à", "aacute": "á", "acirc": "â", "atilde": "ã",
    "auml": "ä", "aring": "å", "aelig": "æ", "ccedil": "ç", "egrave": "è", "eacute": "é", "ecirc": "ê",
    "euml": "ë", "igrave": "ì", "iacute": "í", "icirc": "î", "iuml": "ï", "eth": "ð", "ntilde": "ñ",
    "ograve": "ò", "oacute": "ó", "ocirc": "ô", "otilde": "õ", "ouml": "ö", "oslash": "ø", "ugrave": "ù",
    "uacute": "ú", "ucirc": "û", "uuml": "ü", "yacute": "ý", "thorn": "þ", "yuml": "ÿ", "OElig": "Œ",
    "oelig": "œ", "Scaron": "Š", "scaron": "š", "Yuml": "Ÿ", "fnof": "ƒ", "circ": "ˆ", "tilde": "˜",
]
