import Foundation
import LetheCore

extension LocalDirectoryStore {
    /// An object written under a temporary name in its folder, not yet durable nor visible:
    /// `stage`'s result, published with others by `publish(_:)`.
    public struct StagedObject: Sendable {
        /// The key it is published under.
        public let key: ObjectKey
        /// Its size in bytes.
        public var size: Int64 { file.size }
        let file: DurableFile.Staged
    }

    /// Writes the object of `key` under a temporary name (`.tmp-<random>`, mode 0600) in its
    /// folder, neither synced nor published: the first half of `put`, for `publish(_:)` to make
    /// many objects durable at once. Folders are made as needed, unsynced (the batch's sync
    /// covers them). A run that dies leaves the temporary file to `removeAbandoned`.
    ///
    /// - Throws: `ObjectStoreError` (a missing root reads as `unavailable`), or what `body` throws.
    public func stage(_ key: ObjectKey, body: (any ByteSink) throws -> Void) throws -> StagedObject {
        let final = try path(of: key)
        try checkRoot()
        try makeDirectories((final as NSString).deletingLastPathComponent, sync: false)
        let file = try DurableFile.stage(
            URL(fileURLWithPath: final, isDirectory: false), mode: 0o600,
            temporaryName: Self.temporaryPrefix + RandomName.base32(count: 16),
            failure: { posixError($0.code, Self.doing($0.operation, key)) }, write: body)
        return StagedObject(key: key, file: file)
    }

    /// Removes a staged object that will not be published (its customer was shredded meanwhile).
    public func discard(_ object: StagedObject) {
        DurableFile.discard(object.file)
    }

    /// Publishes staged objects together (`DurableFile.publishStaged`: one sync of the store's
    /// file system for every object's bytes, the renames, one sync for the renames), so each
    /// is as durable as a `put`'s once this returns. Pages are dropped from the cache once
    /// synced, as `put` does.
    ///
    /// - Returns: per object, in order, the stored object or the error that failed it alone.
    /// - Throws: `ObjectStoreError` when a sync failed: nothing of the batch was published.
    public func publish(_ objects: [StagedObject]) throws -> [Result<StoredObject, ObjectStoreError>] {
        let results: [DurableFileError?]
        do {
            results = try DurableFile.publishStaged(objects.map(\.file), root: root, uncached: true)
        } catch let error as DurableFileError {
            throw posixError(error.code, "flush \(Wording.count(objects.count, "archive", "archives")) to disk")
        }
        return zip(objects, results).map { object, error in
            error.map { .failure(posixError($0.code, Self.doing($0.operation, object.key))) }
                ?? .success(StoredObject(key: object.key, size: object.size))
        }
    }
}
