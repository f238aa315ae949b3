import Foundation
import LetheCore
import LetheCrypto

/// Signs what Lethe hands to auditors (reports, shred receipts) with the home's long-lived
/// signing key, in minisign's format: `minisign -Vm FILE -P <public key>` verifies offline,
/// with the public key the auditor received once, out of band (`lethe keys public-key`).
public struct DocumentSigner {
    let home: Home

    /// A signer for `home`'s documents.
    public init(home: Home) { self.home = home }

    /// The `.minisig` text for `text`, with `comment` (one line) signed along as minisign's
    /// trusted comment, and the signing key's id (created on first use).
    public func sign(_ text: String, comment: String) throws -> (minisig: String, keyID: String) {
        let key = try home.keys.signingKeyCreatingIfNeeded()
        let keyID = Minisign.keyIDHex(key)
        let trusted = comment.replacingOccurrences(of: "\n", with: " ") + " key=\(keyID)"
        return (Minisign.signature(of: Array(text.utf8), with: key, trustedComment: trusted,
                                   untrustedComment: "signature from lethe key \(keyID)"), keyID)
    }

    /// The file beside `url` that holds its signature (`FILE.minisig`, where minisign looks).
    public static func signatureFile(for url: URL) -> URL { URL(fileURLWithPath: url.path + ".minisig") }
}
