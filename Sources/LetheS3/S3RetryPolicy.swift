import Foundation
import LetheCore

/// How often and how patiently a request is retried: exponential backoff with full jitter.
///
/// Only transient failures are retried (`ObjectStoreError.isTransient`: HTTP 5xx, 429 and
/// SlowDown, connection errors and time-outs). Refusals (403, 404, other 4xx, a locked
/// object) fail at once.
public struct S3RetryPolicy: Sendable {
    /// How many times a request is tried in all (1 means no retry).
    public var maxAttempts: Int
    /// The backoff ceiling of the first retry, in seconds; it doubles with each retry.
    public var baseDelay: TimeInterval
    /// The largest backoff ceiling, in seconds.
    public var maxDelay: TimeInterval
    /// Waits between attempts; replaceable so tests do not sleep.
    public var sleep: @Sendable (TimeInterval) -> Void

    /// A policy; the defaults try 5 times over at most about 6 seconds of waiting.
    public init(maxAttempts: Int = 5, baseDelay: TimeInterval = 0.2, maxDelay: TimeInterval = 5,
                sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// The wait before retry number `retry` (1-based): uniform in 0...min(maxDelay, baseDelay·2^(retry-1)).
    public func delay(beforeRetry retry: Int) -> TimeInterval {
        let ceiling = min(maxDelay, baseDelay * pow(2, Double(max(0, retry - 1))))
        return ceiling > 0 ? Double.random(in: 0...ceiling) : 0
    }

    /// Runs `operation`, retrying transient `ObjectStoreError`s up to `maxAttempts` times in all.
    ///
    /// - Throws: the last error once attempts run out, or the first permanent error at once.
    public func perform<T>(_ operation: () throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try operation()
            } catch let error as ObjectStoreError where error.isTransient && attempt < maxAttempts {
                sleep(delay(beforeRetry: attempt))
                attempt += 1
            }
        }
    }
}
