import SiftText
import Testing

@Suite("ReciprocalRankFusion")
struct ReciprocalRankFusionTests {
    typealias List = ReciprocalRankFusion.RankedList

    @Test("sums 1/(k + rank) over the lists that have a key, best first")
    func scores() {
        let fused = ReciprocalRankFusion().fuse([
            List(provider: "brave", keys: ["a", "b", "c"]),
            List(provider: "searxng", keys: ["b", "d", "a"]),
        ])
        #expect(fused.map(\.key) == ["b", "a", "d", "c"])
        let b = fused[0]
        #expect(abs(b.score - (1.0 / 62 + 1.0 / 61)) < 1e-12)
        #expect(b.providers == ["brave", "searxng"])
        #expect(b.contributions == [.init(provider: "brave", rank: 2), .init(provider: "searxng", rank: 1)])
        #expect(b.bestRank == 1)
        #expect(abs(fused[1].score - (1.0 / 61 + 1.0 / 63)) < 1e-12)
        #expect(fused[2].providers == ["searxng"])
        #expect(abs(fused[3].score - 1.0 / 63) < 1e-12)
    }

    @Test("ties go to the better single rank, then to the key seen first")
    func ties() {
        // x and y both have ranks 1 and 3, so the same score; z's two second places score a little less.
        let fused = ReciprocalRankFusion().fuse([
            List(provider: "p1", keys: ["x", "z", "y"]),
            List(provider: "p2", keys: ["y", "z", "x"]),
        ])
        #expect(fused.map(\.key) == ["x", "y", "z"])
        #expect(fused[0].score == fused[1].score)
        #expect(fused[1].score > fused[2].score)

        // Equal scores with different best ranks: one list each, so the rank decides.
        let single = ReciprocalRankFusion().fuse([
            List(provider: "p1", keys: ["a", "b"]),
            List(provider: "p2", keys: ["c", "d"]),
        ])
        #expect(single.map(\.key) == ["a", "c", "b", "d"])
    }

    @Test("the same ranks from different providers give exactly the same score in any order")
    func summationOrder() {
        let fused = ReciprocalRankFusion().fuse([
            List(provider: "p1", keys: ["a", "x1", "x2", "b"]),
            List(provider: "p2", keys: ["b", "y1", "y2", "a"]),
            List(provider: "p3", keys: ["z1", "a", "b"]),
        ])
        let a = fused.first { $0.key == "a" }!
        let b = fused.first { $0.key == "b" }!
        #expect(a.contributions.map(\.rank) == [1, 4, 2])
        #expect(b.contributions.map(\.rank) == [4, 1, 3])
        let c = ReciprocalRankFusion().fuse([
            List(provider: "p1", keys: ["m", "q", "n"]),
            List(provider: "p2", keys: ["q", "n", "m"]),
            List(provider: "p3", keys: ["n", "m", "q"]),
        ])
        // Each key has ranks 1, 2 and 3 in some order: identical scores, first seen first.
        #expect(Set(c.map(\.score)).count == 1)
        #expect(c.map(\.key) == ["m", "q", "n"])
    }

    @Test("a key listed twice by one provider counts once, at its better rank")
    func duplicates() {
        let fused = ReciprocalRankFusion().fuse([List(provider: "p", keys: ["a", "b", "a", "a"])])
        #expect(fused.map(\.key) == ["a", "b"])
        #expect(fused[0].contributions == [.init(provider: "p", rank: 1)])
        #expect(abs(fused[0].score - 1.0 / 61) < 1e-12)
        #expect(fused[1].contributions == [.init(provider: "p", rank: 2)])
    }

    @Test("k changes how much the top ranks weigh")
    func constant() {
        let lists = [List(provider: "p1", keys: ["a", "b", "c"]), List(provider: "p2", keys: ["c", "b"])]
        // With k = 0 a's one first place weighs as much as b's two second places (and wins
        // on rank); with k = 60 two hits anywhere beat one.
        #expect(ReciprocalRankFusion(k: 0).fuse(lists).map(\.key) == ["c", "a", "b"])
        #expect(ReciprocalRankFusion(k: 60).fuse(lists).map(\.key) == ["c", "b", "a"])
        #expect(ReciprocalRankFusion(k: -5).k == 0)
        #expect(ReciprocalRankFusion().k == 60)
    }

    @Test("empty input fuses to nothing")
    func empty() {
        #expect(ReciprocalRankFusion().fuse([]).isEmpty)
        #expect(ReciprocalRankFusion().fuse([List(provider: "p", keys: [])]).isEmpty)
        let one = ReciprocalRankFusion().fuse([List(provider: "p", keys: []), List(provider: "q", keys: ["a"])])
        #expect(one.map(\.providers) == [["q"]])
    }

    @Test("fuses results merged under URL keys")
    func withURLKeys() {
        let brave = ["https://www.example.com/a?utm_source=brave", "https://docs.python.org/3/library/socket.html"]
        let searxng = ["http://docs.python.org/3/library/socket.html#module-socket", "https://example.com/a/"]
        let fused = ReciprocalRankFusion().fuse([
            List(provider: "brave", keys: brave.map(URLNormalizer.fusionKey)),
            List(provider: "searxng", keys: searxng.map(URLNormalizer.fusionKey)),
        ])
        #expect(fused.map(\.key) == ["example.com/a", "docs.python.org/3/library/socket.html"])
        #expect(fused.allSatisfy { $0.providers == ["brave", "searxng"] })
    }
}
