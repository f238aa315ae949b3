import Foundation

/// Golden files: what people read (plans, reports) pinned in a test target's `Golden/` folder.
///
/// A difference fails the test. After an intended change of output, re-record with
/// `LETHE_RECORD_GOLDEN=1 swift test --filter <target>`, review the diff and commit it.
public enum GoldenFile {
    /// Why a golden file could not be read.
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "Golden/\(name) is missing: record it with LETHE_RECORD_GOLDEN=1" }
    }

    /// The pinned text of `Golden/<name>` in `bundle`; or, when LETHE_RECORD_GOLDEN=1, writes
    /// `actual` into the `Golden` folder beside the calling test file and returns nil.
    public static func expected(_ name: String, actual: String, bundle: Bundle, filePath: String = #filePath) throws -> String? {
        if ProcessInfo.processInfo.environment["LETHE_RECORD_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: filePath).deletingLastPathComponent()
                .appendingPathComponent("Golden").appendingPathComponent(name)
            try actual.write(to: source, atomically: true, encoding: .utf8)
            return nil
        }
        guard let url = bundle.url(forResource: name, withExtension: nil, subdirectory: "Golden") else { throw Missing(name: name) }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
