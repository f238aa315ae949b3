import Foundation

/// The files of a key directory other than its `CACHEDIR.TAG` (which every key directory
/// carries, to be left out of host backups) and its `newest-epoch` witness, sorted: the key
/// files a test expects to see.
public func keyDirectoryFiles(_ directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "CACHEDIR.TAG" && $0 != "newest-epoch" }.sorted()
}
