import Foundation
@testable import LetheCatalog
import Testing

/// Concurrent callers share commits, and each still gets exactly its own outcome.
@Suite struct GroupCommitTests {
    private final class Log: @unchecked Sendable {
        let lock = NSLock()
        var committed: [Int] = []
        var outputs: [Int: String] = [:]
        var failures: [Int] = []
    }

    @Test func everyItemIsCommittedOnceAndEachCallerGetsItsOwnOutput() {
        let group = GroupCommit<Int, String>()
        let log = Log()
        DispatchQueue.concurrentPerform(iterations: 400) { item in
            do {
                let output = try group.submit(item) { items in
                    log.lock.withLock { log.committed += items }
                    return items.map { "row \($0)" }
                }
                log.lock.withLock { log.outputs[item] = output }
            } catch {
                log.lock.withLock { log.failures.append(item) }
            }
        }
        #expect(log.committed.sorted() == Array(0..<400))
        #expect(log.outputs.count == 400)
        #expect(log.outputs.allSatisfy { $0.value == "row \($0.key)" })
        #expect(log.failures.isEmpty)
    }

    /// A group whose transaction fails is committed item by item: only the bad item fails.
    @Test func aBadItemFailsAloneNotItsGroup() {
        struct Refused: Error {}
        let group = GroupCommit<Int, Int>()
        let log = Log()
        DispatchQueue.concurrentPerform(iterations: 200) { item in
            do {
                let output = try group.submit(item) { items in
                    if items.contains(13) { throw Refused() }
                    log.lock.withLock { log.committed += items }
                    return items
                }
                #expect(output == item)
            } catch {
                log.lock.withLock { log.failures.append(item) }
            }
        }
        #expect(log.failures == [13])
        #expect(log.committed.sorted() == Array(0..<200).filter { $0 != 13 })
    }
}
