import Logging
import Synchronization
import Testing

@testable import SiftProviders

/// A settable clock in seconds.
final class FakeWallClock: Sendable {
    let seconds = Atomic<Int64>(1_700_000_000)
    func advance(_ by: Int64) { seconds.add(by, ordering: .relaxed) }
    var now: @Sendable () -> Int64 { { [self] in seconds.load(ordering: .relaxed) } }
}

final class CountingCacheObserver: CacheObserver {
    let counts = Mutex<[String: Int]>([:])
    func cacheLookup(namespace: String, hit: Bool) {
        counts.withLock { $0["\(namespace):\(hit ? "hit" : "miss")", default: 0] += 1 }
    }
}

@Suite("Response cache")
struct ResponseCacheTests {
    let logger = Logger(label: "test")

    @Test func storesAndReturnsEntriesUntilTheyExpire() throws {
        let directory = try TemporaryDirectory()
        let clock = FakeWallClock()
        let observer = CountingCacheObserver()
        let cache = try ResponseCache(
            configuration: .init(directory: directory.path + "/cache", now: clock.now), observer: observer, logger: logger)
        #expect(cache.get("q=tcp", namespace: "search") == nil)
        cache.put("q=tcp", namespace: "search", meta: "application/json", body: Array("{}".utf8), ttl: .seconds(60))
        let entry = try #require(cache.get("q=tcp", namespace: "search"))
        #expect(entry.body == Array("{}".utf8) && entry.meta == "application/json")
        // Namespaces are separate.
        #expect(cache.get("q=tcp", namespace: "page") == nil)
        clock.advance(61)
        #expect(cache.get("q=tcp", namespace: "search") == nil)
        #expect(observer.counts.withLock { $0 } == ["search:miss": 2, "search:hit": 1, "page:miss": 1])
    }

    @Test func survivesAReopen() throws {
        let directory = try TemporaryDirectory()
        let clock = FakeWallClock()
        do {
            let cache = try ResponseCache(configuration: .init(directory: directory.path, now: clock.now), logger: logger)
            cache.put("https://a.example/", namespace: "page", body: [1, 2, 3], ttl: .seconds(3600))
        }
        let reopened = try ResponseCache(configuration: .init(directory: directory.path, now: clock.now), logger: logger)
        #expect(reopened.get("https://a.example/", namespace: "page")?.body == [1, 2, 3])
        #expect(reopened.usage.bytes == 3 && reopened.usage.entries == 1)
    }

    @Test func replacingAnEntryKeepsTheSizeAccountRight() throws {
        let directory = try TemporaryDirectory()
        let cache = try ResponseCache(configuration: .init(directory: directory.path), logger: logger)
        cache.put("k", namespace: "page", body: Array(repeating: 1, count: 100), ttl: .seconds(60))
        cache.put("k", namespace: "page", body: Array(repeating: 2, count: 40), ttl: .seconds(60))
        #expect(cache.usage.bytes == 40 && cache.usage.entries == 1)
        #expect(cache.get("k", namespace: "page")?.body.first == 2)
    }

    @Test func staysUnderItsSizeCapByEvictingTheOldestFirst() throws {
        let directory = try TemporaryDirectory()
        let clock = FakeWallClock()
        let cache = try ResponseCache(
            configuration: .init(directory: directory.path, maxBytes: 10_000, now: clock.now), logger: logger)
        for index in 0..<30 {
            cache.put("page-\(index)", namespace: "page", body: Array(repeating: UInt8(index), count: 1000), ttl: .seconds(600))
            clock.advance(1)
            #expect(cache.usage.bytes <= 10_000)
        }
        #expect(cache.get("page-29", namespace: "page") != nil)
        #expect(cache.get("page-0", namespace: "page") == nil)
        // A body larger than the whole cap is not stored at all.
        cache.put("huge", namespace: "page", body: Array(repeating: 0, count: 20_000), ttl: .seconds(600))
        #expect(cache.get("huge", namespace: "page") == nil)
    }

    @Test func expiredEntriesAreEvictedBeforeFreshOnes() throws {
        let directory = try TemporaryDirectory()
        let clock = FakeWallClock()
        let cache = try ResponseCache(
            configuration: .init(directory: directory.path, maxBytes: 3000, now: clock.now), logger: logger)
        cache.put("fresh", namespace: "page", body: Array(repeating: 1, count: 1000), ttl: .seconds(3600))
        clock.advance(1)
        cache.put("short", namespace: "page", body: Array(repeating: 2, count: 1000), ttl: .seconds(5))
        clock.advance(10)
        cache.put("new", namespace: "page", body: Array(repeating: 3, count: 1500), ttl: .seconds(3600))
        #expect(cache.get("fresh", namespace: "page") != nil)
        #expect(cache.get("new", namespace: "page") != nil)
        #expect(cache.usage.entries == 2)
    }

    @Test func anUnwritableDirectoryIsAClearErrorAtStartup() throws {
        #expect(throws: (any Error).self) {
            _ = try ResponseCache(configuration: .init(directory: "/proc/sift-cache-test"), logger: logger)
        }
    }
}
