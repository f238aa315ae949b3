import Foundation
import LetheCore

/// A clock that only moves when a test moves it (`set(_:)`, `advance(by:)`).
///
/// Thread-safe: a job under test may read it from several threads while the test advances it.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// A clock reading `start` (by default 2026-11-29T02:00:00Z, a fixed instant).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_796_004_000)) {
        current = start
    }

    /// The instant the clock reads.
    public func now() -> Date { lock.withLock { current } }

    /// Makes the clock read `date` from now on (a jump, forward or back).
    public func set(_ date: Date) {
        lock.withLock { current = date }
    }

    /// Moves the clock forward (or back, with a negative interval) by `interval` seconds.
    public func advance(by interval: TimeInterval) {
        lock.withLock { current += interval }
    }
}
