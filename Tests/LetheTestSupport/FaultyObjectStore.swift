import Foundation
import LetheCore

/// Wraps a store and injects the faults a real store shows: throttling, outages, dropped
/// uploads and damaged downloads.
///
/// Faults are armed by the test and consumed by the calls that hit them; everything else is
/// passed through to the wrapped store. Armed faults are for the copies: calls on Lethe's own
/// small objects under `lethe/` (the ledger-head marker every writing run reads first, the
/// epoch witness) do not take them. An outage (`isDown`) fails
/// every call. Every call is counted. Thread-safe.
public final class FaultyObjectStore: ObjectStore, @unchecked Sendable {
    /// What `get` does to the bytes it passes on.
    public enum ReadFault: Sendable, Equatable {
        /// Ends the stream after this many bytes, as a cut connection would.
        case truncate(after: Int)
        /// Flips the bits of the byte at this offset.
        case corrupt(at: Int)
    }

    /// The wrapped store.
    public let inner: any ObjectStore
    private let lock = NSLock()
    private var failuresLeft = 0
    private var failure = ObjectStoreError.unavailable("injected fault: 503 Service Unavailable")
    private var down = false
    private var dropAfter: Int?
    private var readFault: ReadFault?
    private var calls = 0

    /// Wraps `inner`.
    public init(wrapping inner: any ObjectStore) { self.inner = inner }

    public var location: Location { inner.location }

    /// Makes the next `count` calls on copies throw `error` (by default `unavailable`, like an HTTP 503).
    public func failNext(_ count: Int, with error: ObjectStoreError = .unavailable("injected fault: 503 Service Unavailable")) {
        lock.withLock { failuresLeft = count; failure = error }
    }

    /// While true, every call throws `unavailable` as if the store could not be reached.
    public var isDown: Bool {
        get { lock.withLock { down } }
        set { lock.withLock { down = newValue } }
    }

    /// Makes the next `put` of a copy pass `bytes` bytes to the wrapped store, then fail as a dropped connection.
    public func dropNextPut(after bytes: Int) { lock.withLock { dropAfter = bytes } }

    /// Makes the next `get` of a copy damage the bytes it streams.
    public func damageNextGet(_ fault: ReadFault) { lock.withLock { readFault = fault } }

    /// How many calls reached this store (failed or not).
    public var callCount: Int { lock.withLock { calls } }

    private func enter(_ key: String) throws {
        try lock.withLock {
            calls += 1
            if down { throw ObjectStoreError.unavailable("injected fault: the store is down (connection refused)") }
            if failuresLeft > 0 && Self.isCopy(key) { failuresLeft -= 1; throw failure }
        }
    }

    /// Whether `key` (or a listing prefix) is not one of Lethe's own objects: the calls armed faults hit.
    private static func isCopy(_ key: String) -> Bool { !key.hasPrefix("lethe/") }

    public func put(_ key: ObjectKey, lockUntil: Date?, body: (any ByteSink) throws -> Void) throws -> StoredObject {
        try enter(key.rawValue)
        guard Self.isCopy(key.rawValue), let limit = lock.withLock({ defer { dropAfter = nil }; return dropAfter }) else {
            return try inner.put(key, lockUntil: lockUntil, body: body)
        }
        return try inner.put(key, lockUntil: lockUntil) { sink in
            try body(DroppingSink(sink, limit: limit))
        }
    }

    public func get<T>(_ key: ObjectKey, body: (any ByteSource) throws -> T) throws -> T {
        try enter(key.rawValue)
        guard Self.isCopy(key.rawValue), let fault = lock.withLock({ defer { readFault = nil }; return readFault }) else {
            return try inner.get(key, body: body)
        }
        return try inner.get(key) { source in try body(DamagingSource(source, fault: fault)) }
    }

    public func head(_ key: ObjectKey) throws -> StoredObject? {
        try enter(key.rawValue)
        return try inner.head(key)
    }

    public func list(prefix: String) throws -> [StoredObject] {
        try enter(prefix)
        return try inner.list(prefix: prefix)
    }

    public func versions(of key: ObjectKey) throws -> [StoredObject] {
        try enter(key.rawValue)
        return try inner.versions(of: key)
    }

    public func delete(_ key: ObjectKey, versionID: String?) throws {
        try enter(key.rawValue)
        try inner.delete(key, versionID: versionID)
    }

    /// Passed through untouched (no fault, not counted): the clean-up every run begins with
    /// must not take a fault armed for the copies.
    public func removeAbandoned(prefix: String, olderThan age: TimeInterval) throws -> [AbandonedWrite] {
        try inner.removeAbandoned(prefix: prefix, olderThan: age)
    }
}

/// Passes `limit` bytes on, then throws as a dropped connection.
private final class DroppingSink: ByteSink {
    private let inner: any ByteSink
    private var left: Int
    init(_ inner: any ByteSink, limit: Int) { self.inner = inner; left = limit }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        let n = min(left, bytes.count)
        if n > 0 { try inner.write(UnsafeRawBufferPointer(rebasing: bytes[0..<n])) }
        left -= n
        if n < bytes.count {
            throw ObjectStoreError.unavailable("injected fault: connection reset during upload")
        }
    }
}

/// Truncates or corrupts the stream it passes on.
private final class DamagingSource: ByteSource {
    private let inner: any ByteSource
    private let fault: FaultyObjectStore.ReadFault
    private var offset = 0
    init(_ inner: any ByteSource, fault: FaultyObjectStore.ReadFault) { self.inner = inner; self.fault = fault }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var room = buffer.count
        if case .truncate(let after) = fault { room = min(room, max(0, after - offset)) }
        if room == 0 { return 0 }
        let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<room]))
        if case .corrupt(let at) = fault, at >= offset, at < offset + n { buffer[at - offset] ^= 0xff }
        offset += n
        return n
    }
}
