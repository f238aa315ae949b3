// swift-tools-version:6.0
import PackageDescription

// Dependencies, each for one job:
// - swift-argument-parser: the `lethe` command line.
// - GRDB.swift: the embedded SQLite catalog and key store.
// - Yams: the human-friendly policy files (YAML with line numbers for errors).
// - swift-log: the jobs' events, so embedders and tests can route them (Lethe's own formats are
//   its handlers).
let package = Package(
    name: "Lethe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lethe", targets: ["lethe"]),
        .executable(name: "lethe-bench", targets: ["lethe-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C leaves: each imported by exactly one Swift target.
        .systemLibrary(name: "CSodium", path: "Sources/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CArchive", path: "Sources/CArchive", pkgConfig: "libarchive",
                       providers: [.apt(["libarchive-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // Vocabulary: ids, classes, locations, the copy record, clock, byte streams, the store contract.
        .target(name: "LetheCore"),
        // Keys as types, secretstream, key wrapping, keyed hashes (libsodium).
        .target(name: "LetheCrypto", dependencies: ["LetheCore", "CSodium"]),
        // The encrypted archive container: header, wrapped data key, chunked stream.
        .target(name: "LetheFormat", dependencies: ["LetheCore", "LetheCrypto"]),
        // pax + zstd packing of a customer folder and safe extraction (libarchive).
        .target(name: "LetheTar", dependencies: ["LetheCore", "CArchive"]),
        // Object stores: the local directory.
        .target(name: "LetheStore", dependencies: ["LetheCore"]),
        // S3-compatible object store for offsite copies.
        .target(name: "LetheS3", dependencies: ["LetheCore", "LetheCrypto"]),
        // PostgreSQL through libpq: a connection, quoted literals, statements returning text rows.
        .target(name: "LethePostgres", dependencies: ["LetheCore", "CPostgres"]),
        // Policy files and the database map, set classification, delete-by dates, the retention planner.
        .target(name: "LethePolicy", dependencies: ["LetheCore", .product(name: "Yams", package: "Yams")]),
        // What the catalog and the key store share about their SQLite files: one SQLiteFile that
        // opens, migrates and runs transactions (WAL, synced commits), rows read without
        // trapping, and damage told from an unlucky moment (PRAGMA quick_check).
        .target(name: "LetheSQLite", dependencies: ["LetheCore", .product(name: "GRDB", package: "GRDB.swift")]),
        // Key store (wrapped keys, SQLite with secure_delete) and key directories (KEK epochs).
        .target(name: "LetheKeys", dependencies: ["LetheCore", "LetheCrypto", "LetheSQLite", .product(name: "GRDB", package: "GRDB.swift")]),
        // Catalog of sets and copies, and the hash-chained ledger with its typed events.
        .target(name: "LetheCatalog", dependencies: ["LetheCore", "LetheCrypto", "LetheSQLite", .product(name: "GRDB", package: "GRDB.swift")]),
        // The retention report: a pure value built from catalog records, ledger events, the
        // retention plan and the policy, and its HTML, JSON and CSV renderings. No I/O: the
        // report job in LetheJobs fetches its inputs, writes it and records it.
        .target(name: "LetheReport", dependencies: ["LetheCore", "LethePolicy", "LetheCatalog"]),
        // The Prometheus text format (node_exporter's textfile collector): gauges with HELP and
        // TYPE lines, labels escaped. No I/O: the nightly job in LetheJobs fills and writes them.
        .target(name: "LetheMetrics"),
        // The jobs: init, backup, nightly, restore, export, shred, expire, verify, report; their
        // events go through swift-log.
        .target(name: "LetheJobs", dependencies: [
            "LetheCore", "LetheCrypto", "LetheFormat", "LetheTar", "LetheStore", "LetheS3",
            "LethePolicy", "LetheKeys", "LetheCatalog", "LetheReport", "LetheMetrics", "LethePostgres", .product(name: "Logging", package: "swift-log"),
        ]),
        // The thin command line: parse, call a job, map errors to exit codes. It imports only
        // these (LetheJobs re-exports nothing): what it names lives in LetheCore, LetheJobs or
        // LetheReport (the report formats).
        .executableTarget(name: "lethe", dependencies: [
            "LetheJobs", "LetheReport", "LetheCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/LetheCLI"),

        // Benchmarks (not shipped): `lethe-bench shred`, …
        .executableTarget(name: "lethe-bench", dependencies: [
            "LetheJobs", "LetheKeys", "LetheCatalog", "LethePolicy", "LetheS3", "LetheCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/LetheBench"),

        // Real test doubles: manual clock, in-memory store with object lock, fault injection, trees,
        // a temporary database on the PostgreSQL test cluster.
        .target(name: "LetheTestSupport", dependencies: ["LetheCore", "LethePostgres"], path: "Tests/LetheTestSupport"),

        .testTarget(name: "LetheCoreTests", dependencies: ["LetheCore", "LetheTestSupport"]),
        .testTarget(name: "LetheCryptoTests", dependencies: ["LetheCore", "LetheCrypto", "LetheFormat", "LetheTestSupport"]),
        .testTarget(name: "LetheTarTests", dependencies: ["LetheCore", "LetheTar", "LetheCrypto", "LetheFormat", "LetheTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "LetheStoreTests", dependencies: ["LetheCore", "LetheCrypto", "LetheStore", "LetheS3", "LetheTestSupport"]),
        .testTarget(name: "LethePolicyTests", dependencies: ["LetheCore", "LethePolicy", "LetheTestSupport", .product(name: "Yams", package: "Yams")],
                    resources: [.copy("Golden")]),
        .testTarget(name: "LetheJobsTests", dependencies: [
            "LetheJobs", "LetheTestSupport", "LetheCrypto", "LetheFormat", "LetheTar", .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
            // The failure class of every error enum (FailureClassTests).
            "LetheCore", "LetheKeys", "LetheCatalog", "LethePolicy", "LetheS3", "LetheSQLite", "LetheStore", "LethePostgres",
        ], resources: [.copy("Fixtures")]),
        .testTarget(name: "LetheCatalogTests", dependencies: ["LetheCore", "LetheCatalog", "LetheSQLite", "LetheTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
                    resources: [.copy("Fixtures")]),
        // The real `lethe` binary; Golden/ pins every `--json` output; Fixtures/ holds homes older versions wrote.
        .testTarget(name: "LetheCLITests", dependencies: [
            "LetheTestSupport", "LethePolicy", "LethePostgres", .product(name: "GRDB", package: "GRDB.swift"),
        ], resources: [.copy("Golden"), .copy("Fixtures")]),
        // libpq against the throwaway PostgreSQL cluster of scripts/pg-test-server.sh.
        .testTarget(name: "LethePostgresTests", dependencies: ["LethePostgres", "LetheCore", "LetheTestSupport"]),
        // The retention report: golden HTML, JSON and CSV of a fixed home; escaping; a tampered ledger.
        .testTarget(name: "LetheReportTests", dependencies: [
            "LetheReport", "LetheJobs", "LethePolicy", "LetheCatalog", "LetheCore", "LetheKeys", "LetheStore", "LetheTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ], resources: [.copy("Golden")]),
        // Key-hierarchy tests that read the key store's SQLite file directly (stale copies, residue).
        .testTarget(name: "LetheKeysTests", dependencies: [
            "LetheKeys", "LetheJobs", "LetheCatalog", "LetheCrypto", "LetheCore", "LetheSQLite", "LetheTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ]
)
