/// The built-in default policies, one written into a home when `init` is given no policy file:
/// ``text(offsite:)`` chooses by whether the home has an offsite store, so that a new home never
/// keeps copies it cannot make.
///
/// The same texts as `policies/default.yaml` and `policies/local-only.yaml` (a test keeps them
/// equal); both are built from one copy of what they share (zone, cap, local lifetimes).
public enum DefaultPolicy {
    /// The policy for a home with an offsite store or without one.
    public static func text(offsite: Bool) -> String { offsite ? withOffsite : localOnly }

    /// `policies/default.yaml`: local and offsite lifetimes.
    static let withOffsite = defaultHeader + shared + offsiteBlock

    /// `policies/local-only.yaml`: the same local lifetimes, no offsite block.
    static let localOnly = localOnlyHeader + shared

    private static let defaultHeader = """
    # The default Lethe retention policy (see policies/README.md and policies/example.yaml).
    #
    # Keeps about six months of history, and nothing older: personal data in backups lives no
    # longer than it must (GDPR storage limitation). There is no yearly class on purpose: a year-old
    # copy of a customer is rarely needed for recovery, and every extra month it exists is a month
    # an erasure request has to reach it. Operators with a legal duty to keep annual records add
    # `yearly: 1y` to offsite and raise max_age to at least 366d (see example.yaml).
    name: default

    """

    private static let localOnlyHeader = """
    # The default Lethe retention policy for a home without an offsite store (see policies/README.md).
    #
    # What `lethe init` writes when it is given neither a policy nor an offsite store: default.yaml
    # without its offsite block, so that the home keeps no copies it cannot make. About six months of
    # history and nothing older (GDPR storage limitation); no yearly class (see default.yaml for why).
    # To copy offsite later, add an "offsite" object to the home's lethe.json (as `lethe init
    # --offsite-endpoint … --offsite-bucket …` writes it) and the offsite block of default.yaml here.
    name: local-only

    """

    /// The zone, the cap and the local lifetimes both policies keep.
    private static let shared = """
    timezone: UTC
    # The hard cap. Six calendar months are at most 184 days; 190d leaves a small margin, and no
    # copy's delete-by is ever later than its creation day + 190 days.
    max_age: 190d
    # On the backup machine: a week of nightlies, five weeks of Monday sets, six months of
    # first-of-month sets.
    local:   { daily: 7d, weekly: 5w, monthly: 6m }

    """

    private static let offsiteBlock = """
    # Offsite (S3-compatible, object-locked until each copy's delete-by): no dailies, which would
    # triple the upload volume for little gain; governance mode so that a mistake can be undone by
    # an administrator with the bypass permission. Use compliance where regulation requires it.
    offsite: { weekly: 5w, monthly: 6m, object_lock: governance }

    """
}
