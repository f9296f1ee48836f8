// Generated results for queries the corpus does not know: plausible, and the same on
// every run and every machine (FNV-1a of the query, not Swift's seeded Hasher).

extension ReplayCorpus {
    private struct Site {
        let host: String
        let name: String
        /// The path for a result; `round` counts how many times the generator has come back
        /// to this site for the query, so that every URL is distinct.
        let path: @Sendable (_ slug: String, _ title: String, _ index: Int, _ round: Int) -> String
    }

    private static func again(_ round: Int, _ separator: String = "-") -> String {
        round == 0 ? "" : "\(separator)\(round + 1)"
    }

    private static let sites: [Site] = [
        Site(host: "en.wikipedia.org", name: "Wikipedia") { _, title, _, round in
            "/wiki/" + (round == 0 ? "" : "Talk:") + title.replacing(" ", with: "_") + (round > 1 ? "/Archive_\(round)" : "")
        },
        Site(host: "www.britannica.com", name: "Britannica") { slug, _, _, round in "/topic/" + slug + again(round) },
        Site(host: "stackoverflow.com", name: "Stack Overflow") { slug, _, index, _ in
            "/questions/\(7_000_000 + index * 7919)/\(slug)"
        },
        Site(host: "github.com", name: "GitHub") { slug, _, index, _ in "/awesome-lists/\(slug)-\(index)" },
        Site(host: "developer.mozilla.org", name: "MDN Web Docs") { slug, _, _, round in
            "/en-US/docs/Glossary/" + slug + again(round)
        },
        Site(host: "www.reddit.com", name: "Reddit") { slug, _, index, _ in
            "/r/explainlikeimfive/comments/\(index + 100)ab/\(slug)/"
        },
        Site(host: "medium.com", name: "Medium") { slug, _, index, _ in "/@writer\(index)/\(slug)" },
        Site(host: "arxiv.org", name: "arXiv") { _, _, index, _ in "/abs/2\(300 + index % 90).\(10_000 + index * 37)" },
        Site(host: "www.bbc.co.uk", name: "BBC") { slug, _, _, round in "/news/articles/" + slug + again(round) },
        Site(host: "lwn.net", name: "LWN.net") { _, _, index, _ in "/Articles/\(900_000 + index * 13)/" },
        Site(host: "news.ycombinator.com", name: "Hacker News") { _, _, index, _ in "/item?id=\(38_000_000 + index * 101)" },
        Site(host: "www.khanacademy.org", name: "Khan Academy") { slug, _, _, round in "/science/" + slug + again(round) },
        Site(host: "learn.microsoft.com", name: "Microsoft Learn") { slug, _, _, round in
            "/en-us/training/" + slug + again(round)
        },
        Site(host: "www.nature.com", name: "Nature") { _, _, index, _ in "/articles/s41586-0\(20 + index % 5)-\(1000 + index)-x" },
    ]

    private static let titleTemplates = [
        "%Q - Wikipedia", "What is %q? A practical introduction", "%Q: frequently asked questions",
        "Understanding %q in depth", "A beginner's guide to %q", "%Q explained with examples",
        "The history of %q", "%Q: latest research and news", "Common misconceptions about %q",
        "How %q works", "%Q vs. the alternatives: a comparison", "Ask HN: What should I read about %q?",
        "ELI5: %q", "Notes on %q", "%Q | Overview, facts and figures",
    ]

    private static let openings = [
        "%Q is a subject with a long history and many practical uses.",
        "In short, %q describes how the parts of a system interact over time.",
        "People searching for %q usually want a clear definition first.",
        "This article introduces %q, starting from first principles.",
        "%Q has been studied for decades, and the core ideas are simple.",
        "Researchers still debate several aspects of %q.",
    ]

    private static let middles = [
        "We look at how %q is defined, where it came from and why it matters today.",
        "The key idea is easy to state but has subtle consequences in practice.",
        "Most introductions skip the trade-offs; this one spells them out with examples.",
        "Several competing explanations exist, and each fits part of the evidence.",
        "Worked examples show where the usual intuition about %q breaks down.",
    ]

    private static let extras = [
        "A short glossary of the terms used when discussing %q.",
        "Further reading: the classic papers and books on %q.",
        "Updated with corrections from readers.",
        "See also the related articles linked at the end of this page.",
        "Figures and tables summarise the main results about %q.",
        "Questions and answers from the community about %q.",
    ]

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The generated entry for the normalized query `key`: between 40 and 159 results,
    /// published up to about three years before `today`.
    static func generate(for key: String, today: CalendarDay) -> ReplayCorpusEntry {
        let seed = fnv1a(key)
        let total = 40 + Int(seed % 120)
        let capitalized = key.prefix(1).uppercased() + key.dropFirst()
        let slug = key.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: "-")
        func fill(_ template: String) -> String {
            template.replacing("%Q", with: capitalized).replacing("%q", with: key)
        }
        var documents: [ReplayDocument] = []
        documents.reserveCapacity(total)
        for index in 0..<total {
            let mix = fnv1a("\(key)#\(index)")
            // A stride coprime with the number of sites visits every site once per round.
            let site = sites[Int((seed &+ UInt64(index) &* 5) % UInt64(sites.count))]
            let round = index / sites.count
            let title = fill(titleTemplates[Int(mix % UInt64(titleTemplates.count))])
            let snippet =
                fill(openings[Int((mix >> 8) % UInt64(openings.count))]) + " "
                + fill(middles[Int((mix >> 16) % UInt64(middles.count))])
            let extraCount = Int((mix >> 24) % 4)
            let extraSnippets = (0..<extraCount).map { offset in
                fill(extras[Int((mix >> 32 &+ UInt64(offset)) % UInt64(extras.count))])
            }
            let daysAgo = Int((mix >> 40) % 1_100)
            documents.append(
                ReplayDocument(
                    title: title,
                    url: "https://" + site.host + site.path(slug.isEmpty ? "page" : slug, capitalized, index, round),
                    siteName: site.name,
                    snippet: snippet,
                    extraSnippets: extraSnippets,
                    published: (mix >> 52) % 5 == 0 ? nil : today.adding(days: -daysAgo)))
        }
        return ReplayCorpusEntry(
            documents: documents,
            suggestions: ["\(key) definition", "\(key) examples", "\(key) history"])
    }
}
