/// Reads the class names and id of an HTML element for words that mark boilerplate
/// (`cookie-banner`, `share_bar`, `relatedPosts`, `sidebar-left`), for ``HTMLTextExtractor``.
///
/// A name is split into words at every character that is not a letter or digit, between
/// letters and digits, and where a lowercase letter meets an uppercase one; words are
/// lowercased. One name decides nothing when any of its words describes a state or layout
/// (`has`, `with`, `no`, `is`, `for`, `open`, `active`, …): `has-sidebar` on a wrapper, or
/// `wy-grid-for-nav` around a whole Read-the-Docs page, is not a sidebar; nor when it pairs
/// a layout word with a content word (`content-sidebar-wrap`).
enum Boilerplate {
    /// How strongly an element's names mark it as boilerplate.
    enum Mark: Int, Comparable {
        /// Nothing marks it.
        case none
        /// `header`, `banner` or `branding` without a content word in any of its names:
        /// dropped outside main content when it holds no heading.
        case weak
        /// A boilerplate word (`cookie`, `share`, `comments`, `sidebar`, `related`, …).
        case strong

        static func < (a: Mark, b: Mark) -> Bool { a.rawValue < b.rawValue }
    }

    /// The mark of the element `element` (lowercase tag name) with `classes` and `id`.
    static func mark(element: String, classes: String, id: String) -> Mark {
        if classes.isEmpty && id.isEmpty { return .none }
        // Items, terms and paragraphs are judged with their container; their ids are often
        // API anchors (`http.cookiejar.CookieJar`, `socket.socket.share`).
        guard containerElements.contains(element) else { return .none }
        var mark = Mark.none
        var namesContent = false
        forEachName(in: classes) { words, name in
            if words.contains(where: contentWords.contains) { namesContent = true }
            mark = max(mark, self.mark(words: words, name: name))
        }
        if readsID(of: element, classes: classes) {
            forEachName(in: id) { words, name in
                if words.contains(where: contentWords.contains) { namesContent = true }
                mark = max(mark, self.mark(words: words, name: name))
            }
        }
        if mark == .weak && namesContent { return .none }
        return mark
    }

    /// Whether the id of `element` says what it is. Ids of sections and tables often come
    /// from headings ("Comments", "Cookie handling"), and so do those of docutils' `<div
    /// class="section">`; ids of items, terms and paragraphs are often API anchors.
    static func readsID(of element: String, classes: String) -> Bool {
        idElements.contains(element) && !isDocutilsSection(classes: classes)
    }

    /// Whether `classes` has the word `section`, as docutils' `<div class="section" id="…">` does.
    static func isDocutilsSection(classes: String) -> Bool {
        var found = false
        forEachName(in: classes) { words, _ in
            if words.contains("section") { found = true }
        }
        return found
    }

    /// Whether a class name or the id has a content word (`entry-header`, `page-header`).
    static func namesContent(classes: String, id: String) -> Bool {
        var found = false
        forEachName(in: classes + " " + id) { words, _ in
            if words.contains(where: contentWords.contains) { found = true }
        }
        return found
    }

    /// The mark of one name, split into `words`; `name` is the whole name, lowercased.
    private static func mark(words: [String], name: String) -> Mark {
        if words.contains(where: modifierWords.contains) { return .none }
        // `content-sidebar-wrap` wraps the content and the sidebar; `sidebar-wrapper` is a sidebar.
        if words.contains(where: layoutWords.contains) && words.contains(where: contentWords.contains) { return .none }
        if name.contains("sidebar") || name.contains("breadcrumb") || name.contains("cookie") { return .strong }
        if words.contains(where: strongWords.contains) { return .strong }
        if words.contains(where: weakWords.contains) { return .weak }
        return .none
    }

    /// Calls `body` with the words and the lowercased whole of each space-separated name in `names`.
    private static func forEachName(in names: String, _ body: (_ words: [String], _ name: String) -> Void) {
        var words: [String] = []
        var word: [UInt8] = []
        var name: [UInt8] = []
        var previous: UInt8 = 0
        func endWord() {
            if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
        }
        func endName() {
            endWord()
            if !name.isEmpty { body(words, String(decoding: name, as: UTF8.self)) }
            words.removeAll(keepingCapacity: true)
            name.removeAll(keepingCapacity: true)
        }
        for byte in names.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D {
                endName()
                previous = 0
                continue
            }
            let lower = asciiLowercase(byte)
            name.append(lower)
            let isDigit = byte >= 0x30 && byte <= 0x39
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let isLetter = isASCIILetter(byte) || byte >= 0x80
            let previousIsDigit = previous >= 0x30 && previous <= 0x39
            let previousIsLower = previous >= 0x61 && previous <= 0x7A
            if !isDigit && !isLetter {
                endWord()
            } else {
                if (isDigit != previousIsDigit && previous != 0) || (isUpper && previousIsLower) { endWord() }
                word.append(lower)
            }
            previous = isDigit || isLetter ? byte : 0
        }
        endName()
    }
}

/// Elements judged by their names: containers, never `<html>`, `<body>`, `<main>`, headings,
/// paragraphs, list items or inline elements.
private let containerElements: Set<String> = [
    "div", "section", "aside", "ul", "ol", "menu", "header", "footer", "table", "article", "details",
    "figure", "center", "address",
]

/// Elements whose ids are judged too.
private let idElements: Set<String> = [
    "div", "aside", "ul", "ol", "menu", "header", "footer", "article", "figure", "center", "address",
]

/// Words that mark boilerplate wherever they stand in a name.
private let strongWords: Set<String> = [
    "sidebar", "sidebars", "breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "gdpr",
    "advert", "adverts", "advertisement", "advertisements", "advertising", "ad", "ads", "adsense", "adslot",
    "sponsor", "sponsors", "sponsored", "promo", "promos", "promotion", "promotions", "promoted",
    "newsletter", "newsletters", "subscribe", "subscription", "subscriptions", "signup", "login", "signin",
    "share", "shares", "sharing", "sharebar", "sharethis", "addthis", "social", "socials",
    "related", "recommended", "recommendations", "recirc", "recirculation", "outbrain", "taboola",
    "comment", "comments", "commentlist", "disqus", "popup", "popups", "modal", "paywall",
    "nav", "navbar", "navigation", "navlinks", "menu", "menus", "menubar", "submenu", "offcanvas", "drawer",
    "footer", "masthead", "colophon", "skip", "skiplink", "pagination", "pager", "pagenav", "postnav",
    "toolbar", "widget", "widgets", "tagcloud",
]

/// Words that mark boilerplate only without a content word beside them.
private let weakWords: Set<String> = ["header", "banner", "branding"]

/// Words that name the content of a page.
private let contentWords: Set<String> = [
    "article", "entry", "post", "page", "content", "story", "title", "headline", "main", "body", "text", "hero",
    "doc", "docs", "document", "section", "chapter", "blog", "news", "lead", "intro",
]

/// Words of layout: with a content word, the name is of a wrapper around content and more.
private let layoutWords: Set<String> = [
    "wrap", "wrapper", "container", "layout", "grid", "row", "columns", "inner", "outer",
]

/// Words that make a name describe a state or a layout rather than a part of the page.
private let modifierWords: Set<String> = [
    "has", "with", "without", "no", "is", "for", "show", "hide", "enable", "enabled", "disable", "disabled",
    "open", "opened", "active", "visible", "collapsed", "expanded", "closed",
]
