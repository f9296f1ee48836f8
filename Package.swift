// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "sift",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "siftd", targets: ["siftd"]),
        .executable(name: "sift-bench", targets: ["sift-bench"]),
        .executable(name: "sift-floor", targets: ["sift-floor"]),
        .executable(name: "sift-replay", targets: ["sift-replay"]),
    ],
    dependencies: [
        // `traits: []` keeps full Foundation (and ICU) out of the binary: see docs/architecture.md.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // SHA-256 of API keys; postgres-nio builds it anyway (SCRAM).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The Model Context Protocol server at /mcp (docs/architecture.md, "The MCP server").
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
    ],
    targets: [
        // C shims over system libraries; kept apart so each links only where it is used.
        .systemLibrary(
            name: "CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(
            name: "SiftCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "SiftText",
            dependencies: ["SiftCore"],
            swiftSettings: strict),
        .target(
            name: "SiftHTTPClient",
            dependencies: [
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "SiftProviders",
            dependencies: [
                "SiftCore", "SiftText", "SiftHTTPClient", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: [.linkedLibrary("z")]),
        .target(
            name: "SiftSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "SiftServer",
            dependencies: [
                "SiftCore", "SiftText", "SiftProviders", "SiftSystemd",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // The PostgreSQL backend of the store interface (SIFT_DATABASE_URL): shared event logs,
        // leases, sessions and cache, so that several replicas serve as one.
        .target(
            name: "SiftPostgres",
            dependencies: [
                "SiftCore", "SiftProviders", "SiftServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "siftd",
            dependencies: [
                "SiftCore", "SiftText", "SiftProviders", "SiftSystemd", "SiftServer", "SiftPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Faithful replay servers for the remote services we cannot run here (Brave,
        // SearXNG) and a page server with every misbehaviour a fetcher meets.
        .target(
            name: "SiftReplay",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "sift-replay",
            dependencies: [
                "SiftReplay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "sift-bench",
            dependencies: [
                "SiftHTTPClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The floor to compare against: a bare SSE hello on the same server stack.
        .executableTarget(
            name: "sift-floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // A manual clock for the test targets, which cannot import each other.
        .target(name: "SiftTestClock", swiftSettings: strict),
        .testTarget(name: "SiftCoreTests", dependencies: ["SiftCore", "SiftTestClock"], swiftSettings: strict),
        .testTarget(name: "SiftTextTests", dependencies: ["SiftText", "SiftCore"], swiftSettings: strict),
        .testTarget(
            name: "SiftProvidersTests",
            dependencies: [
                "SiftProviders", "SiftText", "SiftCore", "SiftHTTPClient", "SiftReplay",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SiftHTTPClientTests",
            dependencies: [
                "SiftHTTPClient", "SiftReplay",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SiftReplayTests",
            dependencies: [
                "SiftReplay",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SiftSystemdTests",
            dependencies: [
                "SiftSystemd", "CSystemd", "SiftTestClock",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SiftServerTests",
            dependencies: [
                "SiftServer", "SiftCore", "SiftProviders", "SiftTestClock",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict),
    ]
)

// The libFuzzer targets (fuzz/README.md), only with SIFT_FUZZ=1, so that a plain `swift build`
// never sees them: `make fuzz` builds them into .build-fuzz with -sanitize=fuzzer,address.
if Context.environment["SIFT_FUZZ"] == "1" {
    package.products.append(.executable(name: "sift-fuzz", targets: ["sift-fuzz"]))
    package.targets.append(
        .executableTarget(
            name: "sift-fuzz",
            dependencies: ["SiftCore", "SiftText", "SiftProviders"],
            path: "fuzz/sift-fuzz",
            swiftSettings: strict))
}
