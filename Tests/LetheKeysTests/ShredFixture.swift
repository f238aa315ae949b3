import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheJobs
@testable import LetheKeys
import LetheTestSupport

/// A source tree and a home with a mirrored key directory, driven in-process.
final class ShredFixture: @unchecked Sendable {
    let root: TemporaryDirectory
    let clock: ManualClock
    let customers: [String: [String: [UInt8]]]
    var source: URL { root.url.appendingPathComponent("source") }
    var homeURL: URL { root.url.appendingPathComponent("home") }
    var mirror: URL { root.url.appendingPathComponent("mirror") }
    var keyStore: URL { homeURL.appendingPathComponent("keystore.sqlite") }
    /// The live key directories: the primary in the home, then the mirror.
    var keyDirectories: [URL] { [homeURL.appendingPathComponent("keys"), mirror] }

    init(customers: [String: [String: [UInt8]]]) throws {
        root = try TemporaryDirectory(prefix: "lethe-keys")
        clock = ManualClock(Date(timeIntervalSince1970: 1_793_577_600))
        self.customers = customers
        for (customer, files) in customers {
            for (path, bytes) in files {
                let url = source.appendingPathComponent(customer).appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
        }
        try HomeSetup.create(.init(home: homeURL, source: source, keyMirrors: [mirror]), now: clock.now())
    }

    /// Opens the home at `url` (the live one by default), as each CLI run would.
    func home(at url: URL? = nil) throws -> Home {
        try Home(url: url ?? homeURL, clock: clock, log: EventLog(style: .silent))
    }

    /// Runs one backup of every customer, then moves the clock a day on.
    func backUp() throws {
        _ = try BackupJob(home: home()).run()
        clock.advance(by: 86_400)
    }

    /// Copies the key store (with -wal and -shm), the catalog and every key directory into `folder`.
    func copyKeyMaterial(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["keystore.sqlite", "keystore.sqlite-wal", "keystore.sqlite-shm", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"] {
            let file = homeURL.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent(name))
            }
        }
        for (index, directory) in keyDirectories.enumerated() {
            try FileManager.default.copyItem(at: directory, to: folder.appendingPathComponent("keys-\(index)"))
        }
    }

    /// The key directories inside a folder made by `copyKeyMaterial`.
    func copiedKeyDirectories(in folder: URL) -> [URL] {
        keyDirectories.indices.map { folder.appendingPathComponent("keys-\($0)") }
    }

    /// A home folder assembled from the key store and catalog in `material` and the given key
    /// directories, sharing the live home's store and policy.
    func assembleHome(named name: String, from material: URL, keyDirectories: [URL]) throws -> URL {
        let folder = root.url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: material.path) where file.hasPrefix("keystore") || file.hasPrefix("catalog") {
            try FileManager.default.copyItem(at: material.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        var configuration = try JSONDecoder().decode(LetheJobs.Configuration.self,
                                                     from: Data(contentsOf: homeURL.appendingPathComponent("lethe.json"))).resolved(in: homeURL)
        configuration.keyDirectories = keyDirectories.map(\.path)
        try JSONEncoder().encode(configuration).write(to: folder.appendingPathComponent("lethe.json"))
        return folder
    }

    /// Every KEK file in `directories`: (epoch, key).
    static func kekFiles(in directories: [URL]) throws -> [(epoch: Int, key: SecretKey)] {
        try directories.flatMap { directory in
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().compactMap { name -> (Int, SecretKey)? in
                guard name.hasPrefix("kek-"), name.hasSuffix(".key"), let epoch = Int(name.dropFirst(4).dropLast(4)) else { return nil }
                return (epoch, try SecretKey(copying: Data(contentsOf: directory.appendingPathComponent(name))))
            }
        }
    }

    /// A customer's wrapped key and the row fields its wrap binds, read straight from a key store
    /// file (nil if absent).
    static func wrappedCustomerKey(in keyStore: URL, pseudonym: Pseudonym) throws -> (wrapped: [UInt8], epoch: Int, context: (Int) -> [UInt8])? {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: keyStore.path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT lookup, key_id, wrapped, epoch FROM customers WHERE pseudonym = ?", arguments: [pseudonym.rawValue])
                .map { row in
                    let lookup: Data = row["lookup"], keyID: String = row["key_id"]
                    return ([UInt8](row["wrapped"] as Data), row["epoch"],
                            { WrapBinding.customerKey(lookup: lookup, pseudonym: pseudonym, keyID: keyID, epoch: $0) })
                }
        }
    }

    /// Every regular file under `folders`.
    static func files(under folders: [URL]) -> [URL] {
        folders.flatMap { regularFiles(under: $0) }
    }
}


