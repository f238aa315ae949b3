import Foundation
import LetheCore

/// A test store that wraps another and forwards every call it does not implement itself, so a
/// wrapper that changes one call (a put whose answer is lost, that caps a lock, that runs a shred
/// meanwhile) writes only that call.
public protocol ForwardingObjectStore: ObjectStore {
    associatedtype Inner: ObjectStore
    /// The store every other call goes to.
    var inner: Inner { get }
}

extension ForwardingObjectStore {
    public var location: Location { inner.location }
    public func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        try inner.put(key, lockUntil: lockUntil, body: body)
    }
    public func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T { try inner.get(key, body: body) }
    public func head(_ key: ObjectKey) throws -> StoredObject? { try inner.head(key) }
    public func list(prefix: String) throws -> [StoredObject] { try inner.list(prefix: prefix) }
    public func delete(_ key: ObjectKey, versionID: String?) throws { try inner.delete(key, versionID: versionID) }
    public func versions(of key: ObjectKey) throws -> [StoredObject] { try inner.versions(of: key) }
    public func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] {
        try inner.removeAbandoned(prefix: prefix, olderThan: age)
    }
    public func serverDate() -> Date? { inner.serverDate() }
}
