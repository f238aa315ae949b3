import Foundation

/// Reads ahead from a source on a thread of its own, so that producing bytes (reading a copy,
/// decrypting it) and consuming them (decompressing, writing files) use two cores, as a shell
/// pipe would. Memory stays flat: at most `depth` buffers of `bufferSize` bytes wait, and a
/// buffer read to its end is handed back to the reading thread to fill again (a fresh one would
/// cost a zeroing pass and a page fault per page).
///
/// Bytes and errors arrive in order: an error from the source is thrown after every byte read
/// before it. Call `close()` before the source goes away (it stops and joins the thread);
/// `withReadAhead` does that for you.
public final class ReadAheadSource: ByteSource, @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [[UInt8]] = []
    /// Buffers read to their end, for the reading thread to fill again.
    private var spare: [[UInt8]] = []
    private var sourceEnded = false
    private var failure: Error?
    private var stopping = false
    private var producerRunning = true
    private var current: [UInt8] = []
    private var offset = 0
    private let depth: Int

    private init(depth: Int) { self.depth = depth }

    /// Runs `body` with a read-ahead view of `source`, and stops the reading thread afterwards.
    public static func withReadAhead<T>(_ source: any ByteSource, bufferSize: Int = 1 << 20, depth: Int = 4,
                                        _ body: (ReadAheadSource) throws -> T) rethrows -> T {
        let readAhead = ReadAheadSource(depth: depth)
        let box = UncheckedSource(source)
        let thread = Thread { readAhead.produce(from: box.source, bufferSize: bufferSize) }
        thread.stackSize = 1 << 20
        thread.start()
        defer { readAhead.close() }
        return try body(readAhead)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if offset == current.count {
            condition.lock()
            while ready.isEmpty && !sourceEnded { condition.wait() }
            if ready.isEmpty {
                let error = failure
                condition.unlock()
                if let error { throw error }
                return 0
            }
            if !current.isEmpty { spare.append(current) }
            current = ready.removeFirst()
            offset = 0
            condition.signal()
            condition.unlock()
        }
        let count = min(buffer.count, current.count - offset)
        current.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
        }
        offset += count
        return count
    }

    /// Stops reading ahead and waits for the thread to end.
    func close() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while producerRunning { condition.wait() }
        condition.unlock()
    }

    private func produce(from source: any ByteSource, bufferSize: Int) {
        defer {
            condition.lock()
            sourceEnded = true
            producerRunning = false
            condition.broadcast()
            condition.unlock()
        }
        while true {
            condition.lock()
            while ready.count >= depth && !stopping { condition.wait() }
            let stop = stopping
            var buffer = spare.popLast() ?? []
            condition.unlock()
            if stop { return }
            if buffer.count != bufferSize { buffer = [UInt8](repeating: 0, count: bufferSize) }
            var filled = 0
            var error: Error?
            while filled < bufferSize {
                do {
                    let count = try buffer.withUnsafeMutableBytes { all in
                        try source.read(into: UnsafeMutableRawBufferPointer(rebasing: all[filled...]))
                    }
                    if count == 0 { break }
                    filled += count
                } catch let thrown {
                    error = thrown
                    break
                }
            }
            buffer.removeLast(bufferSize - filled)
            condition.lock()
            if filled > 0 { ready.append(buffer) }
            failure = error
            condition.broadcast()
            condition.unlock()
            // The source ended or failed: `defer` marks the end once the bytes before it are queued.
            if error != nil || filled < bufferSize { return }
        }
    }
}

/// Hands a source to the reading thread, which alone uses it until it is joined.
private struct UncheckedSource: @unchecked Sendable {
    let source: any ByteSource
    init(_ source: any ByteSource) { self.source = source }
}
