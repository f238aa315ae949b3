import Foundation

/// The first step of every `lethe verify`: SQLite's own `PRAGMA quick_check` of the key store
/// and the catalog, so that damage in pages no other check happens to read is found too.
///
/// Commands that merely fail to read a damaged file run the same check through the stores
/// (`SQLiteDamage`); this runs it on purpose, on files that read fine so far.
public struct MetadataCheck: Sendable {
    let home: Home

    /// A check of `home`'s SQLite files.
    public init(home: Home) { self.home = home }

    /// Checks the key store, then the catalog.
    ///
    /// - Throws: `KeyStoreError.storeDamaged` or `CatalogError.damaged` (exit 3), naming the
    ///   file and what `quick_check` reported. Records nothing: a damaged file is not written to.
    public func run() throws {
        try home.keys.checkFile()
        try home.catalog.checkFile()
    }
}
