import Foundation

/// Group commit: concurrent callers' items share one transaction, so a night of many customers
/// pays one synced commit per group instead of one per customer.
///
/// No timer decides a group. A caller queues its item and waits for the commit lock; whoever
/// holds it takes every item queued so far and commits them together, so a group is whatever
/// arrived while the previous commit was syncing. `submit` returns only once its own item is
/// committed (durable, with `synchronous = FULL`), exactly as a commit of its own would. If a
/// group's transaction fails, its items are committed one by one, so one bad item fails alone.
final class GroupCommit<Item, Output>: @unchecked Sendable {
    private let queueLock = NSLock()
    private let commitLock = NSLock()
    private var queued: [(ticket: Int, item: Item)] = []
    private var finished: [Int: Result<Output, any Error>] = [:]
    private var nextTicket = 0

    /// Commits `item`, possibly together with others' items, with `commit`, which writes a group
    /// in one transaction and returns one output per item, in order.
    func submit(_ item: Item, commit: ([Item]) throws -> [Output]) throws -> Output {
        let ticket = queueLock.withLock {
            nextTicket += 1
            queued.append((nextTicket, item))
            return nextTicket
        }
        commitLock.lock()
        defer { commitLock.unlock() }
        if let result = queueLock.withLock({ finished.removeValue(forKey: ticket) }) { return try result.get() }
        let group = queueLock.withLock { () -> [(ticket: Int, item: Item)] in
            defer { queued.removeAll(keepingCapacity: true) }
            return queued
        }
        let results: [Result<Output, any Error>]
        do {
            results = try commit(group.map(\.item)).map { .success($0) }
        } catch where group.count > 1 {
            results = group.map { entry in Result { try commit([entry.item])[0] } }
        }
        var own: Result<Output, any Error>?
        queueLock.withLock {
            for (entry, result) in zip(group, results) {
                if entry.ticket == ticket { own = result } else { finished[entry.ticket] = result }
            }
        }
        return try own!.get()
    }
}
