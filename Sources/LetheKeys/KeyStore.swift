import Foundation
import GRDB
import LetheCore
import LetheCrypto
import LetheSQLite

/// The key store: every customer key and expiry key, stored only wrapped under the current KEK.
///
/// An SQLite file with `secure_delete` on and WAL checkpoints that truncate after every
/// destructive change, so a destroyed key leaves no residue in free pages or the WAL. The KEK
/// itself is never in this file: it lives in the key directories. Customer ids are never stored:
/// a customer is found by a keyed hash of their id (the lookup key is itself wrapped).
public final class KeyStore: @unchecked Sendable {
    let file: SQLiteFile
    /// The key directories: the primary first, then mirrors.
    public let directories: [KeyDirectory]
    /// Where each new KEK is sealed to the recovery key, or nil when no sealed escrow is set up.
    public let escrow: SealedEscrow?
    let state: KeyStoreState

    /// Opens an existing key store, loads the current KEK, and upgrades the store once if its
    /// wraps do not yet bind their rows (`upgradeWrapsIfNeeded`).
    public init(path: URL, directories: [KeyDirectory], escrow: SealedEscrow? = nil) throws {
        file = try Self.openFile(path, existing: true)
        self.directories = directories
        self.escrow = escrow
        state = KeyStoreState()
        try loadCurrentKEK()
        try upgradeWrapsIfNeeded()
    }

    init(file: SQLiteFile, directories: [KeyDirectory], escrow: SealedEscrow?) {
        self.file = file
        self.directories = directories
        self.escrow = escrow
        state = KeyStoreState()
    }

    /// The folders that witness the newest epoch: every key directory, then every escrow directory.
    var witnessFolders: [URL] { directories.map(\.url) + (escrow?.directories.map(\.url) ?? []) }

    /// Creates a new key store with epoch 1: a fresh KEK written to every key directory (and
    /// sealed into every escrow directory) and a fresh lookup key wrapped under it.
    public static func create(path: URL, directories: [KeyDirectory], escrow: SealedEscrow? = nil) throws -> KeyStore {
        for directory in directories { try directory.create() }
        let kek = SecretKey.random()
        for directory in directories {
            try directory.writeKey(kek, epoch: 1)
            try EpochWitness.record(1, in: directory.url)
        }
        for directory in escrow?.directories ?? [] {
            try directory.create()
            try EpochWitness.record(1, in: directory.url)
        }
        try escrow?.write(kek, epoch: 1)
        let store = KeyStore(file: try openFile(path, existing: false), directories: directories, escrow: escrow)
        let lookupKey = SecretKey.random()
        try store.write { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES ('epoch', '1'), ('kek_id', ?), ('wrap_format', ?)",
                           arguments: [kek.id.rawValue, String(WrapBinding.Format.bound.rawValue)])
            try db.execute(sql: "INSERT INTO secrets(name, wrapped, epoch) VALUES ('lookup', ?, 1)",
                           arguments: [Data(KeyWrap.wrap(lookupKey, under: kek, context: WrapBinding.lookupKey(epoch: 1)))])
        }
        store.state.install(epoch: 1, kek: kek, lookupKey: lookupKey)
        return store
    }

    /// Opens the file (mode 0600) and migrates it; `existing` says it must already be a key store
    /// (a missing one is unavailable; an emptied or replaced one is damage, refused before a
    /// migration writes into it).
    ///
    /// `secure_delete` is on, and every commit is synced before it returns (see `SQLiteFile`): a
    /// key is durable before an archive sealed with it is published, a destroyed key before the
    /// shred or expiry is reported.
    static func openFile(_ path: URL, existing: Bool) throws -> SQLiteFile {
        let file = try SQLiteFile(url: path, existing: existing, schema: KeyStoreSchema.schema, secureDelete: true,
                                  failures: SQLiteFailures(damaged: KeyStoreError.storeDamaged, busy: KeyStoreError.storeBusy,
                                                           unavailable: KeyStoreError.storeUnavailable))
        try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path.path)
        return file
    }

    /// Runs SQLite's `PRAGMA quick_check` on the key store (`lethe verify`): damage in pages no
    /// command happened to read shows up here.
    ///
    /// - Throws: `KeyStoreError.storeDamaged` with what the check reported.
    public func checkFile() throws { try file.checkFile() }

    /// Runs `body` in a read transaction; damage becomes `KeyStoreError.storeDamaged`, a file held
    /// too long by another process `KeyStoreError.storeBusy`.
    func read<T>(_ body: (Database) throws -> T) throws -> T { try file.read(body) }

    /// The rows of one read statement, read without an explicit transaction (`SQLiteFile.readRows`);
    /// failures become `KeyStoreError`s as for `read`.
    func readRows(sql: String, arguments: StatementArguments) throws -> [Row] { try file.readRows(sql: sql, arguments: arguments) }

    /// Runs `body` in a write transaction; failures become `KeyStoreError`s as for `read`.
    func write<T>(_ body: (Database) throws -> T) throws -> T { try file.write(body) }

    /// Runs `body` outside a transaction (checkpoints); failures become `KeyStoreError`s as for `read`.
    @discardableResult
    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T { try file.writeWithoutTransaction(body) }

    /// The epoch the key store records (`meta.epoch`): a positive number, or the file is damaged.
    func storedEpoch(_ db: Database) throws -> Int {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = 'epoch'")),
              let epoch = Int(text), epoch > 0 else {
            throw SQLiteFileError.invalidValue("meta.epoch")
        }
        return epoch
    }

    /// A pseudonym read from the key store: one safe object-key part (it names store folders).
    static func storedPseudonym(_ raw: String) -> Pseudonym? {
        !raw.contains("/") && ObjectKey(raw) != nil ? Pseudonym(raw) : nil
    }

    /// Reads the current epoch, finds its KEK in the first key directory that has it, checks it
    /// is the expected key, and unwraps the lookup key; `kekUnavailable` (naming every directory
    /// and what is wrong with it) when none has it.
    func loadCurrentKEK() throws {
        try read { db in try load(db) }
    }

    /// The current epoch and KEK as the database says now, reloading them if another process
    /// rotated since this one loaded them (so nothing is ever wrapped under a destroyed KEK).
    func currentKEK(_ db: Database) throws -> (epoch: Int, kek: SecretKey) {
        let epoch = try storedEpoch(db)
        if epoch != state.epoch { try load(db) }
        return (state.epoch, state.kek)
    }

    private func load(_ db: Database) throws {
        let epoch = try storedEpoch(db)
        try EpochWitness.refuseOlder(epoch, what: "key store", among: witnessFolders)
        guard let kekID = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'kek_id'") else {
            throw SQLiteFileError.invalidValue("meta.kek_id")
        }
        let format = try storedWrapFormat(db)
        var problems: [(path: String, problem: KeyDirectoryProblem)] = []
        for directory in directories {
            switch directory.currentKey(epoch: epoch, kekID: kekID) {
            case .found(let kek):
                state.install(epoch: epoch, kek: kek, lookupKey: try unwrapLookupKey(db, under: kek, format: format))
                return
            case .problem(let problem):
                problems.append((directory.url.path, problem))
            }
        }
        throw KeyStoreError.kekUnavailable(epoch: epoch, problems: problems)
    }

    /// The current KEK epoch.
    public var epoch: Int { state.epoch }

    func unwrap(_ wrapped: Data, under kek: SecretKey, context: [UInt8], what: String) throws -> SecretKey {
        do {
            return try KeyWrap.unwrap([UInt8](wrapped), under: kek, context: context)
        } catch {
            throw KeyStoreError.unwrapFailed(what)
        }
    }

    /// Truncates the WAL so destroyed rows leave no copy there, waiting a bounded time for
    /// readers (`checkpointPatience`, not the connection's 30-second busy timeout per attempt).
    ///
    /// A reader that stays (another process in a long read transaction) must not hold up a
    /// shred, which is immediate: the WAL is then left as it is, the call returns false and a
    /// later checkpoint truncates it. What it still holds is only ever wrapped under the KEK
    /// that the shred's (or expiry's) rotation destroys, so it is inert meanwhile.
    ///
    /// - Returns: true when the WAL was truncated.
    @discardableResult
    func checkpoint(_ db: Database) throws -> Bool {
        try db.execute(sql: "PRAGMA busy_timeout = \(Self.checkpointPatience.milliseconds)")
        defer { try? db.execute(sql: "PRAGMA busy_timeout = \(Int(SQLiteDamage.busyTimeout * 1000))") }
        for attempt in 1...Self.checkpointPatience.attempts {
            do {
                try db.checkpoint(.truncate)
                return true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                if attempt == Self.checkpointPatience.attempts { break }
            }
        }
        return false
    }

    /// How long a WAL truncation waits for readers: attempts × milliseconds each.
    static let checkpointPatience = (attempts: 3, milliseconds: 500)
}

/// The unwrapped current KEK and lookup key, shared by the store's threads.
final class KeyStoreState: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (epoch: Int, kek: SecretKey, lookupKey: SecretKey)?

    func install(epoch: Int, kek: SecretKey, lookupKey: SecretKey) {
        lock.withLock { current = (epoch, kek, lookupKey) }
    }

    var epoch: Int { lock.withLock { current?.epoch ?? 0 } }
    var kek: SecretKey { lock.withLock { current!.kek } }
    var lookupKey: SecretKey { lock.withLock { current!.lookupKey } }
}
