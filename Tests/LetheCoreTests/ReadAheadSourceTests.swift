import Foundation
import LetheCore
import LetheTestSupport
import Testing

@Suite struct ReadAheadSourceTests {
    /// A source that serves `bytes` in odd-sized pieces, then fails if asked to.
    final class PiecewiseSource: ByteSource, @unchecked Sendable {
        let bytes: [UInt8]
        let failure: Error?
        private(set) var offset = 0
        init(_ bytes: [UInt8], failure: Error? = nil) { self.bytes = bytes; self.failure = failure }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            if offset == bytes.count, let failure { throw failure }
            let count = min(buffer.count, 7_777, bytes.count - offset)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + count])) }
            offset += count
            return count
        }
    }

    struct Broken: Error, Equatable {}

    @Test func deliversEveryByteInOrder() throws {
        let bytes = randomBytes(3_000_001, seed: 4)
        let read = try ReadAheadSource.withReadAhead(PiecewiseSource(bytes), bufferSize: 65_536, depth: 2) { try $0.readAll() }
        #expect(read.count == bytes.count)
        let same = read == bytes
        #expect(same, "the bytes differ")
    }

    @Test func anErrorArrivesAfterTheBytesBeforeIt() throws {
        let bytes = randomBytes(200_000, seed: 5)
        var received: [UInt8] = []
        #expect(throws: Broken.self) {
            try ReadAheadSource.withReadAhead(PiecewiseSource(bytes, failure: Broken()), bufferSize: 10_000) { source in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
                    if count == 0 { break }
                    received += buffer[0..<count]
                }
            }
        }
        #expect(received.count == bytes.count)
        let same = received == bytes
        #expect(same, "the bytes before the error differ")
    }

    @Test func stoppingEarlyJoinsTheThreadAndReadsNoFurther() throws {
        let source = PiecewiseSource(randomBytes(50_000_000, seed: 6))
        let first = try ReadAheadSource.withReadAhead(source, bufferSize: 1 << 20, depth: 2) { try $0.read(upTo: 10) }
        #expect(first.count == 10)
        // Returned means joined: the source is no longer being read, and read ahead at most depth+1 buffers.
        let stopped = source.offset
        usleep(50_000)
        #expect(source.offset == stopped)
        #expect(stopped <= 4 << 20)
    }
}
