import LetheCore
import LetheJobs

/// What receipts and rotations say about escrow.
enum EscrowText {
    /// The line after a rotation: sealed where, or that no sealed escrow is set up.
    static func afterRotation(_ rotation: RotationSummary) -> String {
        rotation.sealedEscrowDirectories > 0
            ? "escrow: the new key-encryption key is sealed in \(Wording.count(rotation.sealedEscrowDirectories, "escrow directory", "escrow directories")); older sealed escrows destroyed"
            : "escrow: no sealed escrow is set up; a raw escrow (`lethe keys escrow --raw`) is now stale: destroy it"
    }

    /// The line listing raw escrows of past epochs, or nil when there are none.
    static func outstanding(_ epochs: [Int]) -> String? {
        guard !epochs.isEmpty else { return nil }
        return epochs.count == 1
            ? "the raw escrow of epoch \(epochs[0]) is outstanding — destroy it: with an old copy of the key store, it reopens what was shredded since (then run `lethe keys escrow --destroyed \(epochs[0])`)"
            : "raw escrows of epochs \(epochs.map(String.init).joined(separator: ",")) outstanding — destroy them: each, with an old copy of the key store, reopens what was shredded since (then run `lethe keys escrow --destroyed EPOCH`)"
    }
}
