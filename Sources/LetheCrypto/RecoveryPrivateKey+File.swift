import Foundation
import LetheCore

extension RecoveryPrivateKey {
    /// Writes the private key file once (mode 0600, synced; refuses to replace an existing file).
    ///
    /// The file is text: two `#` comment lines (what it is, the public key's fingerprint, keep
    /// it offline) and one line `lethe-recovery-private-v1:` followed by the 32-byte secret in
    /// base64. The encoded bytes are wiped once written.
    ///
    /// - Throws: `DurableFileError` if the file exists or cannot be written.
    public func write(to url: URL) throws {
        var text = Array("""
            # Lethe recovery private key (public key fingerprint \(publicKey.fingerprint)).
            # Keep it OFFLINE (a safe, a vault): with the sealed escrow it rebuilds lost key directories.

            """.utf8) + Array(Self.prefix.utf8)
        var encoded = secret.withUnsafeBytes { Data($0).base64EncodedData() }
        defer { encoded.withUnsafeMutableBytes { SecureMemory.zero($0) } }
        text.append(contentsOf: encoded)
        text.append(UInt8(ascii: "\n"))
        defer { SecureMemory.zero(&text) }
        try text.withUnsafeBytes { try DurableFile.write($0, to: url, mode: 0o600) }
    }

    /// Reads a private key file as `write(to:)` wrote it; every copy of the decoded bytes is wiped.
    ///
    /// - Throws: `CryptoError.keyFileUnreadable` if the file cannot be read,
    ///   `CryptoError.invalidRecoveryKey` if it is not a recovery private key.
    public init(file url: URL) throws {
        guard var contents = FileManager.default.contents(atPath: url.path) else {
            throw CryptoError.keyFileUnreadable(url.path, reason: "cannot read it")
        }
        defer { contents.withUnsafeMutableBytes { SecureMemory.zero($0) } }
        let prefix = Data(Self.prefix.utf8)
        guard let start = contents.range(of: prefix) else {
            throw CryptoError.invalidRecoveryKey("\(url.path) holds no line starting \(Self.prefix)")
        }
        let end = contents[start.upperBound...].firstIndex { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") } ?? contents.endIndex
        guard var decoded = Data(base64Encoded: contents[start.upperBound..<end]) else {
            throw CryptoError.invalidRecoveryKey("the key in \(url.path) is not base64")
        }
        defer { decoded.withUnsafeMutableBytes { SecureMemory.zero($0) } }
        guard decoded.count == SecretKey.byteCount else {
            throw CryptoError.invalidRecoveryKey("the key in \(url.path) is not \(SecretKey.byteCount) bytes")
        }
        try self.init(secret: try SecretKey(copying: decoded))
    }
}
