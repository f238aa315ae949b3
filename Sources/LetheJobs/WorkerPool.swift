import Foundation

/// Runs `body(0..<count)` on `width` threads, each taking the next index when it is free.
enum WorkerPool {
    ///
    /// `body` (and whatever it captures: a home and its open databases) is released before this
    /// returns, not later on a worker thread as it ends.
    static func run(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let next = Counter()
        let work = Work(body)
        let group = DispatchGroup()
        for _ in 0..<max(1, min(width, count)) {
            group.enter()
            let thread = Thread {
                while let index = next.take(below: count) { work.run(index) }
                group.leave()
            }
            thread.stackSize = 4 << 20
            thread.start()
        }
        group.wait()
        work.release()
    }

    /// The body, held where the caller can drop it once every worker is done.
    private final class Work: @unchecked Sendable {
        private var body: (@Sendable (Int) -> Void)?
        init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }
        /// Called only while the caller waits for the workers (no race with `release`).
        func run(_ index: Int) { body?(index) }
        func release() { body = nil }
    }

    /// Hands out 0, 1, 2, … to whichever thread asks.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0

        func take(below limit: Int) -> Int? {
            lock.withLock {
                guard value < limit else { return nil }
                defer { value += 1 }
                return value
            }
        }
    }
}
