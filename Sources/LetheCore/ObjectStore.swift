import Foundation

/// What a store knows about one stored object.
public struct StoredObject: Sendable, Equatable {
    /// The object's key.
    public var key: ObjectKey
    /// Its size in bytes.
    public var size: Int64
    /// The store's version id, where the store keeps versions (S3); nil otherwise.
    public var versionID: String?
    /// The object-lock retain-until date, if the object is locked.
    public var lockedUntil: Date?

    public init(key: ObjectKey, size: Int64, versionID: String? = nil, lockedUntil: Date? = nil) {
        self.key = key
        self.size = size
        self.versionID = versionID
        self.lockedUntil = lockedUntil
    }
}

/// A place copies are kept: a local directory, an S3-compatible bucket, an in-memory double.
///
/// The contract every implementation keeps (and the conformance suite checks):
/// - `put` is atomic and durable: when it returns, the whole object is stored and survives a
///   crash; if `body` throws or the upload fails, no object (and no part of one) becomes
///   visible under `key`, and the error is rethrown. Putting a key that exists replaces it
///   unless the existing object is locked, in which case `objectLocked` is thrown. Before it
///   returns, `put` checks that the store kept what was sent (its size, and its checksum where
///   the store reports one) and throws `checksumMismatch` otherwise.
/// - `lockUntil`, when given, locks the object: it cannot be deleted or replaced before that
///   date. A store that cannot lock throws `lockUnsupported` instead of storing unlocked.
/// - Read after write: `get`, `head` and `list` see an object as soon as `put` returns.
/// - `delete` of a locked object before its date throws `objectLocked` (permanent until the
///   date); deleting a missing key throws `notFound`. After `delete(key, versionID: nil)`
///   returns, `versions(of: key)` is empty (every version is gone, not only the current one).
/// - A write that never finished (its process died mid-`put`) is never visible as an object,
///   but may hold space: a local store's temporary file, an S3 store's multipart upload.
///   `removeAbandoned(prefix:olderThan:)` removes those under `prefix` begun more than `age`
///   seconds ago by the store's own clock (never the local clock or `LETHE_NOW` for a remote
///   store: a simulation running ahead must not remove a write in flight), leaves every object
///   and every younger write alone, skips what vanished meanwhile, and returns what it removed.
///   A store that cannot tell when a write began leaves it alone; `age` 0 removes every one
///   whatever its date, for a caller that knows no write is in flight.
/// - `unavailable` is transient (the store is down or throttling; retry later). Every other
///   error is permanent for that request.
public protocol ObjectStore: Sendable {
    /// Which location this store serves.
    var location: Location { get }

    /// Stores the bytes `body` writes under `key`, atomically and durably.
    func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject

    /// Streams the object's bytes to `body`; throws `notFound` if there is none.
    func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T

    /// The object's metadata, or nil if there is none.
    func head(_ key: ObjectKey) throws -> StoredObject?

    /// Every object whose key starts with `prefix`, in key order.
    func list(prefix: String) throws -> [StoredObject]

    /// Removes the object (the given version, where the store keeps versions).
    func delete(_ key: ObjectKey, versionID: String?) throws

    /// Every stored version of exactly `key` (delete markers left out), newest first, each with
    /// its version id and lock; empty when nothing of the key is stored. A store without
    /// versions lists its one object. This, not `head`, says whether a key is entirely gone.
    func versions(of key: ObjectKey) throws -> [StoredObject]

    /// Removes the leftovers of writes that never finished under `prefix`, begun more than `age`
    /// seconds ago by the store's clock (0: all of them), and returns them (see the contract).
    func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite]

    /// The store's own clock, as its latest response said (nil if it has none or said nothing).
    /// Expiry checks locks against it, not only against the local clock.
    func serverDate() -> Date?
}

extension ObjectStore {
    /// Stores without a clock of their own.
    public func serverDate() -> Date? { nil }

    /// Stores without versions: the one object `head` shows, if any.
    public func versions(of key: ObjectKey) throws -> [StoredObject] { try head(key).map { [$0] } ?? [] }
}

/// What a write that never finished left in a store, removed by `removeAbandoned(prefix:olderThan:)`.
public struct AbandonedWrite: Sendable, Equatable {
    /// What the store held it under: the key of an unfinished S3 upload, the path of a local
    /// temporary file relative to the store's root.
    public var name: String
    /// When it was begun, by the store's clock, if the store says.
    public var started: Date?

    /// A write left under `name`, begun at `started`.
    public init(name: String, started: Date?) {
        self.name = name
        self.started = started
    }
}

/// What can go wrong talking to a store, in the contract's terms.
public enum ObjectStoreError: Error, Equatable, CustomStringConvertible {
    /// No object under that key.
    case notFound(ObjectKey)
    /// The object is locked until the date; it cannot be deleted or replaced before then.
    case objectLocked(ObjectKey, until: Date?)
    /// The store is down, unreachable or throttling; try again later.
    case unavailable(String)
    /// The store refused the credentials.
    case accessDenied(String)
    /// The store cannot lock objects, but a lock was asked for.
    case lockUnsupported
    /// The bytes read back or stored do not match what was sent.
    case checksumMismatch(ObjectKey)
    /// Anything else the store reported, permanent.
    case failed(String)

    public var description: String {
        switch self {
        case .notFound(let key): return "no object \(key) in the store"
        case .objectLocked(let key, let until):
            return "object \(key) is locked" + (until.map { " until \(Timestamp.iso($0))" } ?? "")
                + ": it cannot be deleted before then"
        case .unavailable(let why): return "the store is unavailable (\(why)): try again later"
        case .accessDenied(let why): return "the store refused access (\(why)): check the credentials"
        case .lockUnsupported: return "this store cannot lock objects, but the policy asks for object lock"
        case .checksumMismatch(let key): return "object \(key) did not match its checksum: the store returned or kept wrong bytes"
        case .failed(let why): return "store error: \(why)"
        }
    }

    /// True for errors that may heal if retried later.
    public var isTransient: Bool {
        if case .unavailable = self { return true }
        return false
    }
}

extension ObjectStoreError: ClassifiedError {
    /// The class of each case (the exit status the command line gives it).
    public var failureClass: FailureClass {
        switch self {
        case .notFound: return .notFound
        case .checksumMismatch: return .integrity
        case .objectLocked, .unavailable, .accessDenied, .lockUnsupported, .failed: return .failed
        }
    }
}
