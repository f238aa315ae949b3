import Foundation
import LetheCore

/// Compresses what is written into one zstd frame (level 3, as libarchive's zstd filter writes
/// it) sent to `output`, with a context borrowed from a ``ZstdContextPool``.
final class ZstdSink: ByteSink {
    private let output: any ByteSink
    private let pool: ZstdContextPool
    private var context: ZstdContextPool.Context?
    /// Bytes of compressed output waiting in the context's buffer.
    private var pending = 0

    init(into output: any ByteSink, pool: ZstdContextPool) throws {
        self.output = output
        self.pool = pool
        context = try pool.take()
    }

    deinit {
        if let context { pool.give(context) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        var input = (source: bytes.baseAddress, size: bytes.count, position: 0)
        while input.position < input.size {
            _ = try compress(&input, ZstdLibrary.continueFrame)
        }
    }

    /// Ends the frame, sends everything out and gives the context back.
    func finish() throws {
        var input = (source: UnsafeRawPointer?.none, size: 0, position: 0)
        while try compress(&input, ZstdLibrary.endFrame) != 0 {}
        try flush()
        if let context { pool.give(context) }
        context = nil
    }

    /// One `ZSTD_compressStream2` call; returns what zstd returns (for the end: bytes left to flush).
    private func compress(_ input: inout (source: UnsafeRawPointer?, size: Int, position: Int), _ mode: Int32) throws -> Int {
        guard let context else { throw TarError.compressor("the zstd frame was already finished") }
        if pending == context.output.count { try flush() }
        var out = (destination: context.output.baseAddress, size: context.output.count, position: pending)
        let library = pool.library
        let result = try withUnsafeMutablePointer(to: &input) { inputPointer in
            try withUnsafeMutablePointer(to: &out) { outPointer in
                try library.check(library.compressStream(context.handle, UnsafeMutableRawPointer(outPointer),
                                                         UnsafeMutableRawPointer(inputPointer), mode), "compressing")
            }
        }
        pending = out.position
        return result
    }

    /// Sends the compressed bytes waiting in the buffer.
    private func flush() throws {
        guard let context, pending > 0 else { return }
        try output.write(UnsafeRawBufferPointer(rebasing: context.output[0..<pending]))
        pending = 0
    }
}
