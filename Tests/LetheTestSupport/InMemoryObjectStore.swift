import Foundation
import LetheCore

/// An object store in memory that keeps the `ObjectStore` contract, object lock included.
///
/// Behaves like a versioned S3 bucket with object lock, with the time taken from an injected
/// clock so tests can cross a retain-until date without waiting:
/// - every `put` adds a version and makes it current; a `put` whose body throws adds nothing;
/// - a locked current version (retain-until after the clock's `now`) refuses replacement;
/// - `delete(key, versionID: nil)` removes every version of the key (refusing, and removing
///   nothing, if any version is still locked); `delete(key, versionID:)` removes that version;
/// - governance locks (`ObjectLockMode`) can be removed with `deleteBypassingGovernance`,
///   compliance locks never;
/// - a put cut short by a dying process (`abandonPut`) leaves an unfinished write, invisible as
///   an object, until `removeAbandoned` removes it.
public final class InMemoryObjectStore: ObjectStore, @unchecked Sendable {
    private struct Version {
        var id: String
        var bytes: [UInt8]
        var lockedUntil: Date?
    }

    public let location: Location
    private let clock: any Clock
    private let lockMode: ObjectLockMode?
    private let lock = NSLock()
    private var objects: [ObjectKey: [Version]] = [:]   // oldest first; last is current
    private var unfinished: [(key: ObjectKey, started: Date)] = []
    private var nextVersion = 1

    /// A store serving `location`, reading time from `clock`; `lockMode` nil means it cannot lock.
    public init(location: Location = .offsite, clock: any Clock, lockMode: ObjectLockMode? = .compliance) {
        self.location = location
        self.clock = clock
        self.lockMode = lockMode
    }

    public func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        if lockUntil != nil, lockMode == nil { throw ObjectStoreError.lockUnsupported }
        if let current = lock.withLock({ objects[key]?.last }), isLocked(current) {
            throw ObjectStoreError.objectLocked(key, until: current.lockedUntil)
        }
        let sink = BufferSink()
        try body(sink)
        return try lock.withLock {
            if let current = objects[key]?.last, isLocked(current) {
                throw ObjectStoreError.objectLocked(key, until: current.lockedUntil)
            }
            let version = Version(id: "v\(nextVersion)", bytes: sink.bytes, lockedUntil: lockUntil)
            nextVersion += 1
            objects[key, default: []].append(version)
            return stored(key, version)
        }
    }

    public func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T {
        guard let current = lock.withLock({ objects[key]?.last }) else { throw ObjectStoreError.notFound(key) }
        return try body(BufferSource(current.bytes))
    }

    public func head(_ key: ObjectKey) throws -> StoredObject? {
        lock.withLock { objects[key]?.last.map { stored(key, $0) } }
    }

    public func list(prefix: String) throws -> [StoredObject] {
        lock.withLock {
            objects.compactMap { key, versions in
                key.rawValue.hasPrefix(prefix) ? versions.last.map { stored(key, $0) } : nil
            }.sorted { $0.key < $1.key }
        }
    }

    /// Every version of every key starting with `prefix`, keys in order, newest version first.
    public func listVersions(prefix: String) -> [StoredObject] {
        lock.withLock {
            objects.filter { $0.key.rawValue.hasPrefix(prefix) }.sorted { $0.key < $1.key }
                .flatMap { key, versions in versions.reversed().map { stored(key, $0) } }
        }
    }

    public func versions(of key: ObjectKey) throws -> [StoredObject] {
        lock.withLock { (objects[key] ?? []).reversed().map { stored(key, $0) } }
    }

    public func delete(_ key: ObjectKey, versionID: String?) throws {
        try remove(key, versionID: versionID, bypassGovernance: false)
    }

    /// Deletes as a principal allowed to bypass governance locks; compliance locks still refuse.
    ///
    /// - Throws: `objectLocked` for a compliance-locked version, `notFound` if there is none.
    public func deleteBypassingGovernance(_ key: ObjectKey, versionID: String?) throws {
        try remove(key, versionID: versionID, bypassGovernance: true)
    }

    private func remove(_ key: ObjectKey, versionID: String?, bypassGovernance: Bool) throws {
        try lock.withLock {
            guard var versions = objects[key] else { throw ObjectStoreError.notFound(key) }
            let doomed = versions.indices.filter { versionID == nil || versions[$0].id == versionID }
            guard !doomed.isEmpty else { throw ObjectStoreError.notFound(key) }
            let canBypass = bypassGovernance && lockMode == .governance
            if !canBypass, let locked = doomed.map({ versions[$0] }).first(where: isLocked) {
                throw ObjectStoreError.objectLocked(key, until: locked.lockedUntil)
            }
            versions = versions.indices.filter { !doomed.contains($0) }.map { versions[$0] }
            objects[key] = versions.isEmpty ? nil : versions
        }
    }

    /// Leaves what a `put` of `key` cut short by a dying process leaves: an unfinished write
    /// begun now by the store's clock, never visible as an object.
    public func abandonPut(_ key: ObjectKey) {
        let now = clock.now()
        lock.withLock { unfinished.append((key, now)) }
    }

    public func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] {
        let now = clock.now()
        return lock.withLock {
            let doomed = unfinished.filter { $0.key.rawValue.hasPrefix(prefix) && (age <= 0 || now.timeIntervalSince($0.started) > age) }
            unfinished.removeAll { write in doomed.contains { $0.key == write.key && $0.started == write.started } }
            return doomed.map { AbandonedWrite(name: $0.key.rawValue, started: $0.started) }
        }
    }

    private func isLocked(_ version: Version) -> Bool {
        guard let until = version.lockedUntil else { return false }
        return clock.now() < until
    }

    private func stored(_ key: ObjectKey, _ version: Version) -> StoredObject {
        StoredObject(key: key, size: Int64(version.bytes.count), versionID: version.id, lockedUntil: version.lockedUntil)
    }
}
