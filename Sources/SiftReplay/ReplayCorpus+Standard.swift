// The hand-written part of the corpus. The text was written for these fixtures; the
// facts in it are common knowledge, the pages and their wording are not real.

extension ReplayCorpus {
    static let standardCorrections: [String: String] = [
        "capitol of australia": "capital of australia",
        "captial of australia": "capital of australia",
        "swift concurency": "swift concurrency",
        "tcp congestion controll": "tcp congestion control",
    ]

    static var standardEntries: [String: ReplayCorpusEntry] {
        [
            "capital of australia": capitalOfAustralia,
            "swift concurrency": swiftConcurrency,
            "tcp congestion control": tcpCongestionControl,
        ]
    }

    private static func day(_ year: Int, _ month: Int, _ day: Int) -> CalendarDay {
        CalendarDay(year: year, month: month, day: day)
    }

    static let capitalOfAustralia = ReplayCorpusEntry(
        documents: [
            ReplayDocument(
                title: "Canberra - Wikipedia",
                url: "https://en.wikipedia.org/wiki/Canberra",
                siteName: "Wikipedia",
                snippet:
                    "Canberra is the capital city of Australia. It was chosen in 1908 as a compromise between Sydney and Melbourne, and lies within the Australian Capital Territory, about 280 km south-west of Sydney.",
                extraSnippets: [
                    "The site was selected in 1908 and the city was designed by the American architects Walter Burley Griffin and Marion Mahony Griffin after an international competition.",
                    "Parliament first sat in Canberra in 1927, in the building now known as Old Parliament House.",
                    "With around 470,000 residents, Canberra is the largest inland city in Australia.",
                ],
                published: day(2024, 11, 2)),
            ReplayDocument(
                title: "Australian Capital Territory - Wikipedia",
                url: "https://en.wikipedia.org/wiki/Australian_Capital_Territory",
                siteName: "Wikipedia",
                snippet:
                    "The Australian Capital Territory (ACT) is a federal territory in south-eastern Australia that contains Canberra, the capital of Australia, surrounded entirely by New South Wales.",
                extraSnippets: [
                    "The territory was excised from New South Wales in 1911 to host the national capital.",
                    "It has had self-government since 1989, with a unicameral Legislative Assembly.",
                ],
                published: day(2024, 8, 19)),
            ReplayDocument(
                title: "Why is Canberra the capital of Australia? | National Museum of Australia",
                url: "https://www.nma.gov.au/explore/features/why-canberra",
                siteName: "National Museum of Australia",
                snippet:
                    "Sydney and Melbourne both wanted to be the capital of Australia after Federation in 1901. The Constitution settled the rivalry: the capital would be in New South Wales, but at least 100 miles from Sydney.",
                extraSnippets: [
                    "Melbourne served as the temporary seat of government until Parliament moved to Canberra in 1927.",
                    "Several sites were surveyed, including Dalgety and Yass-Canberra, before the Yass-Canberra district was chosen.",
                ],
                published: day(2023, 1, 24)),
            ReplayDocument(
                title: "Canberra | History, Map, Population, & Facts | Britannica",
                url: "https://www.britannica.com/place/Canberra",
                siteName: "Britannica",
                snippet:
                    "Canberra, city, capital of the Commonwealth of Australia, occupying part of the Australian Capital Territory in south-eastern Australia. It lies on the Molonglo River, which was dammed to form Lake Burley Griffin.",
                extraSnippets: [
                    "The city's plan is organised around a land axis and a water axis that meet at Capital Hill.",
                ],
                published: day(2024, 5, 7)),
            ReplayDocument(
                title: "Is Sydney the capital of Australia? A common mistake explained",
                url: "https://www.australiangeographic.com.au/topics/history-culture/capital-of-australia",
                siteName: "Australian Geographic",
                snippet:
                    "Many visitors assume Sydney is the capital of Australia because it is the largest city. The capital is Canberra, a planned city built specifically to house the federal government.",
                extraSnippets: [
                    "Sydney is the capital of the state of New South Wales, not of the country.",
                ],
                published: day(2022, 9, 13)),
            ReplayDocument(
                title: "Parliament House, Canberra - Parliament of Australia",
                url: "https://www.aph.gov.au/Visit_Parliament",
                siteName: "Parliament of Australia",
                snippet:
                    "Parliament House in Canberra is the meeting place of the Parliament of Australia. The building opened in 1988, the bicentenary of European settlement, and is open to visitors every day except Christmas Day.",
                extraSnippets: [
                    "Visitors can watch Question Time from the public galleries of both chambers.",
                ],
                published: day(2024, 2, 28)),
            ReplayDocument(
                title: "Visit Canberra - Official tourism site for Australia's capital",
                url: "https://visitcanberra.com.au/",
                siteName: "Visit Canberra",
                snippet:
                    "Plan a trip to Canberra, the capital of Australia: national institutions, galleries, the Australian War Memorial, wineries in the surrounding district and festivals such as Floriade every spring.",
                published: day(2025, 3, 10)),
            ReplayDocument(
                title: "Capital cities of Australia's states and territories",
                url: "https://www.abs.gov.au/statistics/people/population/capital-cities",
                siteName: "Australian Bureau of Statistics",
                snippet:
                    "Each Australian state and territory has its own capital: Sydney, Melbourne, Brisbane, Perth, Adelaide, Hobart, Darwin and Canberra, which is also the national capital of Australia.",
                published: day(2024, 6, 20)),
        ],
        news: [
            ReplayDocument(
                title: "Canberra marks another anniversary as the nation's capital",
                url: "https://www.abc.net.au/news/canberra-anniversary",
                siteName: "ABC News",
                snippet:
                    "Residents gathered by Lake Burley Griffin to celebrate the founding of Australia's capital with fireworks and a community festival.",
                published: day(2025, 3, 12)),
        ],
        suggestions: [
            "capital of australia before canberra", "why is canberra the capital", "population of canberra",
            "australian capital territory",
        ],
        summary: ReplaySummary(
            name: "Canberra",
            text:
                "Canberra is the capital city of Australia, located in the Australian Capital Territory. It was selected as the site of the national capital in 1908 and designed by Walter Burley Griffin and Marion Mahony Griffin.",
            url: "https://en.wikipedia.org/wiki/Canberra",
            attributes: [
                ReplayParameter(name: "Country", value: "Australia"),
                ReplayParameter(name: "Territory", value: "Australian Capital Territory"),
                ReplayParameter(name: "Founded", value: "12 March 1913"),
            ]))

    static let swiftConcurrency = ReplayCorpusEntry(
        documents: [
            ReplayDocument(
                title: "Concurrency | Documentation - Swift.org",
                url: "https://docs.swift.org/swift-book/documentation/the-swift-programming-language/concurrency/",
                siteName: "Swift.org",
                snippet:
                    "Swift has built-in support for writing asynchronous and parallel code in a structured way. Asynchronous functions are marked with async and called with await; tasks and task groups run work in parallel.",
                extraSnippets: [
                    "An actor protects its mutable state so that only one task at a time can access it.",
                    "Use async let to start a child task whose result you await later.",
                    "The Sendable protocol marks types that are safe to share between concurrency domains.",
                ],
                published: day(2025, 6, 9)),
            ReplayDocument(
                title: "Migrating to Swift 6 | Swift.org",
                url: "https://www.swift.org/migration/documentation/migrationguide/",
                siteName: "Swift.org",
                snippet:
                    "Swift 6 language mode turns data-race safety checks into errors. Enable strict concurrency checking module by module, fix the diagnostics, then switch the language mode.",
                extraSnippets: [
                    "Global variables must be isolated to a global actor, immutable and Sendable, or marked nonisolated(unsafe).",
                    "Incremental adoption is possible with the -strict-concurrency=complete flag in Swift 5 mode.",
                ],
                published: day(2024, 9, 16)),
            ReplayDocument(
                title: "Structured concurrency in Swift: tasks, task groups and cancellation",
                url: "https://www.swiftbysundell.com/articles/structured-concurrency-in-swift/",
                siteName: "Swift by Sundell",
                snippet:
                    "Structured concurrency ties the lifetime of child tasks to the scope that created them, so that errors propagate and cancellation flows from parent to children automatically.",
                extraSnippets: [
                    "withThrowingTaskGroup cancels the remaining child tasks when one of them throws.",
                ],
                published: day(2023, 4, 3)),
            ReplayDocument(
                title: "Protect mutable state with Swift actors - WWDC21 - Apple Developer",
                url: "https://developer.apple.com/videos/play/wwdc2021/10133/",
                siteName: "Apple Developer",
                snippet:
                    "Data races happen when two threads access the same mutable data concurrently and at least one access is a write. Actors in Swift concurrency eliminate them by isolating state.",
                extraSnippets: [
                    "Actor reentrancy means state may change across an await; check assumptions after suspension points.",
                ],
                published: day(2021, 6, 9)),
            ReplayDocument(
                title: "What is the difference between Task and Task.detached? - Stack Overflow",
                url: "https://stackoverflow.com/questions/71876373/task-vs-task-detached",
                siteName: "Stack Overflow",
                snippet:
                    "An unstructured Task inherits the actor context, priority and task-local values of its caller; Task.detached inherits none of them. Prefer structured concurrency where you can.",
                published: day(2022, 4, 14)),
            ReplayDocument(
                title: "Sendable and @Sendable closures explained",
                url: "https://www.avanderlee.com/swift/sendable-protocol-closures/",
                siteName: "SwiftLee",
                snippet:
                    "Sendable is a marker protocol that tells the compiler a value can be passed across concurrency domains. The compiler checks conformances of structs, enums and final classes.",
                extraSnippets: [
                    "A Mutex from the Synchronization module lets a final class be Sendable while protecting its state.",
                ],
                published: day(2024, 1, 22)),
            ReplayDocument(
                title: "swift-evolution/proposals/0306-actors.md at main · swiftlang/swift-evolution",
                url: "https://github.com/swiftlang/swift-evolution/blob/main/proposals/0306-actors.md",
                siteName: "GitHub",
                snippet:
                    "This proposal introduces actors into Swift. An actor is a reference type that protects access to its mutable state, and is introduced with the keyword actor.",
                published: day(2021, 3, 15)),
            ReplayDocument(
                title: "AsyncSequence and AsyncStream in Swift concurrency",
                url: "https://www.hackingwithswift.com/quick-start/concurrency/what-is-an-asyncsequence",
                siteName: "Hacking with Swift",
                snippet:
                    "An AsyncSequence delivers its elements over time; iterate it with for await. AsyncStream adapts callback-based APIs and lets you choose a buffering policy.",
                published: day(2023, 11, 30)),
            ReplayDocument(
                title: "Swift Concurrency on the server: Hummingbird and SwiftNIO",
                url: "https://swiftonserver.com/structured-concurrency-server/",
                siteName: "Swift on Server",
                snippet:
                    "Server frameworks built on SwiftNIO expose async handlers; Swift concurrency lets each request run as a task whose cancellation follows the client connection.",
                published: day(2025, 2, 4)),
        ],
        news: [
            ReplayDocument(
                title: "Swift 6.2 makes concurrency more approachable",
                url: "https://www.swift.org/blog/swift-6.2-released/",
                siteName: "Swift.org",
                snippet:
                    "The release introduces an option to run code on the main actor by default and makes nonisolated async functions run in the caller's context.",
                published: day(2025, 9, 15)),
        ],
        suggestions: ["swift concurrency tutorial", "swift actors", "swift 6 strict concurrency", "swift task group"])

    static let tcpCongestionControl = ReplayCorpusEntry(
        documents: [
            ReplayDocument(
                title: "TCP congestion control - Wikipedia",
                url: "https://en.wikipedia.org/wiki/TCP_congestion_control",
                siteName: "Wikipedia",
                snippet:
                    "TCP congestion control keeps senders from overwhelming the network. A sender keeps a congestion window and grows it with slow start and congestion avoidance, shrinking it when loss signals congestion.",
                extraSnippets: [
                    "Additive increase/multiplicative decrease (AIMD) grows the window by one segment per round trip and halves it on loss.",
                    "Fast retransmit resends a segment after three duplicate acknowledgements instead of waiting for a timeout.",
                    "Variants include Reno, NewReno, CUBIC and BBR.",
                ],
                published: day(2024, 10, 1)),
            ReplayDocument(
                title: "RFC 5681: TCP Congestion Control",
                url: "https://www.rfc-editor.org/rfc/rfc5681",
                siteName: "RFC Editor",
                snippet:
                    "This document defines TCP's four intertwined congestion control algorithms: slow start, congestion avoidance, fast retransmit and fast recovery.",
                extraSnippets: [
                    "The slow start threshold (ssthresh) decides whether slow start or congestion avoidance controls data transmission.",
                ],
                published: day(2009, 9, 1)),
            ReplayDocument(
                title: "RFC 9438: CUBIC for Fast and Long-Distance Networks",
                url: "https://www.rfc-editor.org/rfc/rfc9438",
                siteName: "RFC Editor",
                snippet:
                    "CUBIC is the default TCP congestion control algorithm in Linux. Its window grows as a cubic function of the time since the last congestion event, independent of the round-trip time.",
                published: day(2023, 8, 1)),
            ReplayDocument(
                title: "BBR: Congestion-Based Congestion Control - ACM Queue",
                url: "https://queue.acm.org/detail.cfm?id=3022184",
                siteName: "ACM Queue",
                snippet:
                    "BBR models the network path by measuring its bottleneck bandwidth and round-trip propagation time, and paces sending to match, rather than reacting to packet loss.",
                extraSnippets: [
                    "Loss-based congestion control fills bottleneck buffers, which causes bufferbloat.",
                ],
                published: day(2016, 12, 1)),
            ReplayDocument(
                title: "TCP congestion control in the Linux kernel - LWN.net",
                url: "https://lwn.net/Articles/701165/",
                siteName: "LWN.net",
                snippet:
                    "Linux chooses its TCP congestion control algorithm through net.ipv4.tcp_congestion_control; modules such as tcp_bbr can be loaded and selected per socket with TCP_CONGESTION.",
                published: day(2016, 9, 21)),
            ReplayDocument(
                title: "How does TCP slow start work? - Network Engineering Stack Exchange",
                url: "https://networkengineering.stackexchange.com/questions/tcp-slow-start",
                siteName: "Stack Exchange",
                snippet:
                    "Slow start is not slow: the congestion window doubles every round trip until it reaches ssthresh or a loss occurs, then congestion avoidance takes over.",
                published: day(2021, 7, 8)),
            ReplayDocument(
                title: "Explicit Congestion Notification (ECN) explained",
                url: "https://www.cloudflare.com/learning/network-layer/what-is-ecn/",
                siteName: "Cloudflare",
                snippet:
                    "With ECN, routers mark packets instead of dropping them when queues build up, and the TCP sender reduces its congestion window as if a loss had occurred.",
                published: day(2024, 3, 18)),
            ReplayDocument(
                title: "Congestion Control (Computer Networks: A Systems Approach)",
                url: "https://book.systemsapproach.org/congestion/tcpcc.html",
                siteName: "Systems Approach",
                snippet:
                    "TCP congestion control was introduced in the late 1980s after the Internet suffered congestion collapse; each source determines how much capacity is available in the network.",
                published: day(2022, 1, 12)),
        ],
        news: [],
        suggestions: ["tcp cubic vs bbr", "tcp slow start", "tcp reno", "linux tcp_congestion_control"])
}
