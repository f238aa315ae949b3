internal import CSodium

/// The one place libsodium is initialised.
///
/// `sodium_init()` must run before any other libsodium call. Every entry point of LetheCrypto
/// calls `Sodium.ensureInitialized()` first; the lazily initialised static makes it run once,
/// thread-safely. If libsodium cannot initialise (no entropy source), Lethe stops: encrypting
/// with a broken random generator would be worse than not running (fail closed).
public enum Sodium {
    private static let initialized: Bool = {
        let result = sodium_init()
        // 0: initialised now; 1: already initialised; -1: failure.
        return result >= 0
    }()

    /// Initialises libsodium if it has not been yet; stops the process if it cannot.
    public static func ensureInitialized() {
        guard initialized else {
            fatalError("libsodium could not initialise (no secure random source?): Lethe cannot encrypt safely")
        }
    }
}
