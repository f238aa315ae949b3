/// The version `lethe --version` prints; the one place it is defined.
///
/// Raised by hand at each release (major.minor.patch); the README says where it comes from.
enum LetheVersion {
    /// "major.minor.patch".
    static let current = "0.1.0"
}
