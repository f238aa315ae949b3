/// What kind of failure an error is, in the operator's terms: each error decides its own class,
/// case by case, where it is defined, and the command line turns the class into an exit status
/// (DESIGN.md: 3 integrity, 4 shredded, 5 not found, 6 busy, 64 usage, 1 failed).
public enum FailureClass: String, Sendable, CaseIterable {
    /// Authentication failed; truncated, tampered, swapped or damaged data.
    case integrity
    /// An unknown customer, set or copy.
    case notFound
    /// The customer was shredded: nothing can be restored or exported.
    case shredded
    /// Another run holds a lock.
    case busy
    /// Bad arguments, or an invalid configuration or policy file.
    case usage
    /// Anything else; nothing was committed.
    case failed
}

/// An error that names its own failure class.
///
/// Every error enum of Lethe conforms through an exhaustive `switch` (no `default:`), so a new
/// case cannot be classified by accident.
public protocol ClassifiedError: Error {
    /// The kind of failure this is.
    var failureClass: FailureClass { get }
}
