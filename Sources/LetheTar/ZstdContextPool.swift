import Foundation

/// zstd compression contexts (level 3) kept for the whole process and lent to one stream at a
/// time, so a night of many small archives sets a context up (allocates and clears its tables)
/// once per worker instead of once per archive, as libarchive's zstd filter does.
///
/// Each frame starts with `ZSTD_reset_session_only` and no dictionary, so nothing of one
/// archive is ever referenced by the next: the tables kept are only reused for speed. (The
/// context's window still holds the end of the last frame's uncompressed input until the next
/// frame overwrites it, as the freed, unwiped context of libarchive's filter did; it never holds
/// a key.)
final class ZstdContextPool: @unchecked Sendable {
    /// One context and the output buffer that goes with it.
    final class Context {
        let handle: OpaquePointer
        let output: UnsafeMutableRawBufferPointer
        init(handle: OpaquePointer, outputSize: Int) {
            self.handle = handle
            output = .allocate(byteCount: outputSize, alignment: 16)
        }
        // Contexts live as long as the process (the pool never frees them).
    }

    /// Compression level of Lethe's streams (FORMAT.md).
    static let level: Int32 = 3
    /// Size of each context's output buffer (zstd's recommended `ZSTD_CStreamOutSize`, rounded).
    static let outputSize = 128 * 1024

    /// The pool, or nil when libzstd cannot be loaded.
    static let shared: ZstdContextPool? = ZstdLibrary.shared.map(ZstdContextPool.init)

    let library: ZstdLibrary
    private let lock = NSLock()
    private var idle: [Context] = []
    private var createdCount = 0

    /// How many contexts this pool has created (at most the number of streams ever open at once).
    var created: Int { lock.withLock { createdCount } }

    init(library: ZstdLibrary) { self.library = library }

    /// A context ready for a new frame: an idle one, or a new one.
    func take() throws -> Context {
        if let context = lock.withLock({ idle.popLast() }) { return context }
        guard let handle = library.create() else { throw TarError.compressor("cannot allocate a zstd context") }
        lock.withLock { createdCount += 1 }
        _ = try library.check(library.setParameter(handle, ZstdLibrary.compressionLevel, Self.level), "setting the zstd level")
        return Context(handle: handle, outputSize: Self.outputSize)
    }

    /// Gives `context` back; its unfinished frame, if any, is dropped first.
    func give(_ context: Context) {
        guard library.isError(library.reset(context.handle, ZstdLibrary.sessionOnly)) == 0 else { return }
        lock.withLock { idle.append(context) }
    }
}
