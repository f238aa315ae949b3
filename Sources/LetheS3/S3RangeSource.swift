import Foundation
import LetheCore
import LetheCrypto

/// Streams one object version with ranged GETs, checking lengths and the whole-object digest.
final class S3RangeSource: ByteSource {
    private let store: S3ObjectStore
    private let key: ObjectKey
    private let versionID: String?
    private let size: Int64
    private let expectedSHA256: String?
    private let hasher = SHA256Hasher()
    private var chunk = Data()
    private var chunkOffset = 0
    private var fetched: Int64 = 0
    private var verified = false

    init(store: S3ObjectStore, key: ObjectKey, versionID: String?, size: Int64, expectedSHA256: String?) {
        self.store = store
        self.key = key
        self.versionID = versionID
        self.size = size
        self.expectedSHA256 = expectedSHA256
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.isEmpty { return 0 }
        if chunkOffset == chunk.count {
            if fetched >= size {
                try verifyDigest()
                return 0
            }
            try fetchNext()
        }
        let n = min(buffer.count, chunk.count - chunkOffset)
        chunk.withUnsafeBytes { all in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: all[chunkOffset..<chunkOffset + n]))
        }
        chunkOffset += n
        return n
    }

    private func fetchNext() throws {
        let first = fetched
        let last = min(size, first + Int64(store.configuration.readChunkSize)) - 1
        var request = S3Request(method: "GET", key: key.rawValue, headers: ["Range": "bytes=\(first)-\(last)"])
        if let versionID { request.query = [("versionId", versionID)] }
        let response = try store.connection.send(request)
        guard response.isSuccess else { throw store.failure(response, key: key, doing: "read \(key)") }
        let expected = Int(last - first + 1)
        var body = response.body
        if response.status == 200 && body.count == Int(size) && body.count != expected {
            body = body.subdata(in: Int(first)..<Int(last + 1))  // the store ignored the range
        }
        guard body.count == expected else { throw ObjectStoreError.checksumMismatch(key) }
        if expectedSHA256 != nil { body.withUnsafeBytes { hasher.update($0) } }
        chunk = body
        chunkOffset = 0
        fetched = last + 1
    }

    private func verifyDigest() throws {
        guard !verified else { return }
        verified = true
        guard let expectedSHA256 else { return }
        if Data(hasher.finalize()).base64EncodedString() != expectedSHA256 {
            throw ObjectStoreError.checksumMismatch(key)
        }
    }
}
