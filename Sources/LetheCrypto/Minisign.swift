import Foundation

/// Signatures and public keys in minisign's file format, so that an auditor can check a report
/// or a receipt offline with the stock `minisign` tool (`minisign -Vm FILE -P RW…`).
///
/// Format (minisign 0.11, algorithm "ED", prehashed): the `.minisig` file is four lines:
/// `untrusted comment: …`; base64 of "ED" ‖ key id (8 bytes) ‖ Ed25519 signature of the
/// file's BLAKE2b-512 hash (64 bytes); `trusted comment: …`; base64 of the Ed25519 signature of
/// (the first signature ‖ the trusted comment's bytes). A public key is base64 of "Ed" ‖ key
/// id ‖ public key (32 bytes).
public enum Minisign {
    /// The public key as `minisign -P` takes it (base64, starting "RW").
    public static func publicKey(_ key: SigningKey) -> String {
        Data(Array("Ed".utf8) + key.keyID + key.publicKey).base64EncodedString()
    }

    /// minisign's display of a key id: 16 uppercase hex digits of the id read little-endian.
    public static func keyIDHex(_ key: SigningKey) -> String {
        key.keyID.reversed().map { String(format: "%02X", $0) }.joined()
    }

    /// A public key file (`minisign -p FILE`).
    public static func publicKeyFile(_ key: SigningKey) -> String {
        "untrusted comment: minisign public key \(keyIDHex(key))\n\(publicKey(key))\n"
    }

    /// The `.minisig` text for `content`, signed with `key`.
    ///
    /// - Parameters:
    ///   - trustedComment: signed too (minisign prints it after "Trusted comment:"); one line.
    ///   - untrustedComment: not signed; one line.
    public static func signature(of content: [UInt8], with key: SigningKey, trustedComment: String,
                                 untrustedComment: String = "signature from lethe") -> String {
        precondition(!trustedComment.contains("\n") && !untrustedComment.contains("\n"), "comments are one line")
        let hash = Blake2b(outputCount: 64, key: nil, purpose: nil)
        hash.update(content)
        let signature = key.sign(hash.finalize())
        let global = key.sign(signature + Array(trustedComment.utf8))
        return """
            untrusted comment: \(untrustedComment)
            \(Data(Array("ED".utf8) + key.keyID + signature).base64EncodedString())
            trusted comment: \(trustedComment)
            \(Data(global).base64EncodedString())

            """
    }
}
