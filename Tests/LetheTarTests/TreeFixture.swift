import Foundation
import LetheCore
import LetheTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder removed (modes fixed first) when released.
final class TempFolder {
    let url: URL
    var path: [UInt8] { Array(url.path.utf8) }

    init() {
        var template = Array("/tmp/lethe-tar-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        url = URL(fileURLWithPath: String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    deinit {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", url.path]).waitUntilExit()
        try? FileManager.default.removeItem(at: url)
    }

    /// A subfolder made with `mode`.
    func folder(_ name: String, mode: mode_t = 0o700) -> URL {
        let sub = url.appendingPathComponent(name)
        precondition(mkdir(sub.path, mode) == 0)
        chmod(sub.path, mode)
        return sub
    }
}

/// A source over bytes that records how far it was read and can fail on demand.
final class CountingSource: ByteSource {
    struct Failure: Error, Equatable {}
    let bytes: [UInt8]
    private(set) var offset = 0
    private(set) var sawEnd = false
    let failAt: Int?
    init(_ bytes: [UInt8], failAt: Int? = nil) { self.bytes = bytes; self.failAt = failAt }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failAt, offset >= failAt { throw Failure() }
        // Small, uneven reads exercise libarchive's buffering.
        let n = min(buffer.count, bytes.count - offset, 7777)
        if n == 0 { sawEnd = true; return 0 }
        bytes.withUnsafeBytes { all in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<offset + n]))
        }
        offset += n
        return n
    }
}

/// A sink that only counts.
final class CountingSink: ByteSink {
    private(set) var count = 0
    func write(_ bytes: UnsafeRawBufferPointer) throws { count += bytes.count }
}
