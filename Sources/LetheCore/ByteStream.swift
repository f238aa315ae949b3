import Foundation

/// Something bytes are pushed into, in order (an encryptor, an upload, a file).
public protocol ByteSink: AnyObject {
    /// Takes all of `bytes`, or throws.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Something bytes are pulled from, in order (a stored copy, a decryptor).
public protocol ByteSource: AnyObject {
    /// Fills up to `buffer.count` bytes and returns how many; 0 only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteSink {
    /// Writes the bytes of a collection.
    public func write<Bytes: ContiguousBytes>(_ bytes: Bytes) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

extension ByteSource {
    /// Reads exactly `count` bytes, or fewer only at the end of the stream.
    public func read(upTo count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = try result.withUnsafeMutableBytes { buffer in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if n == 0 { break }
            filled += n
        }
        result.removeLast(count - filled)
        return result
    }

    /// Reads everything that is left.
    public func readAll() throws -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try read(upTo: 1 << 16)
            if chunk.isEmpty { return result }
            result += chunk
        }
    }
}

/// A sink that collects bytes in memory (small headers, tests).
public final class BufferSink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes += bytes }
}

/// A source that serves bytes from memory.
public final class BufferSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - offset)
        if n > 0 {
            bytes.withUnsafeBytes { all in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[offset..<offset + n]))
            }
        }
        offset += n
        return n
    }
}
