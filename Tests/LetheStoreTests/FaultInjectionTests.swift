import Foundation
import LetheCore
import LetheS3
import LetheStore
import LetheTestSupport
import Testing

/// Faults injected around real stores, and the retry policy that meets them.
struct FaultInjectionTests {
    private func faulty() -> FaultyObjectStore {
        FaultyObjectStore(wrapping: InMemoryObjectStore(location: .offsite, clock: ManualClock()))
    }

    private let noWait = S3RetryPolicy(maxAttempts: 3, baseDelay: 0, maxDelay: 0) { _ in }

    @Test func transientFailuresAreRetriedUntilSuccess() throws {
        let store = faulty()
        store.failNext(2)
        let stored = try noWait.perform { try put(store, key("r/x"), [1, 2]) }
        #expect(stored.size == 2)
        #expect(store.callCount == 3)
        #expect(try read(store, key("r/x")) == [1, 2])
    }

    @Test func retriesStopAtMaxAttempts() throws {
        let store = faulty()
        store.failNext(3)
        #expect(throws: ObjectStoreError.unavailable("injected fault: 503 Service Unavailable")) {
            try noWait.perform { try put(store, key("r/x"), [1]) }
        }
        #expect(store.callCount == 3)
        #expect(try store.head(key("r/x")) == nil)
    }

    @Test func permanentErrorsAreNotRetried() throws {
        let store = faulty()
        store.failNext(1, with: .accessDenied("injected 403"))
        #expect(throws: ObjectStoreError.accessDenied("injected 403")) { try noWait.perform { try store.list(prefix: "") } }
        #expect(store.callCount == 1)
    }

    @Test func backoffGrowsWithFullJitter() {
        let policy = S3RetryPolicy(maxAttempts: 10, baseDelay: 0.1, maxDelay: 1)
        for _ in 0..<50 {
            #expect((0...0.1).contains(policy.delay(beforeRetry: 1)))
            #expect((0...0.4).contains(policy.delay(beforeRetry: 3)))
            #expect((0...1).contains(policy.delay(beforeRetry: 9)))
        }
        #expect((0..<50).map { _ in policy.delay(beforeRetry: 9) }.max()! > 0.4)
    }

    @Test(arguments: [StoreKind.local, .memory])
    func droppedUploadLeavesNothing(_ kind: StoreKind) throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.close() }
        let store = FaultyObjectStore(wrapping: fixture.store)
        store.dropNextPut(after: 70_000)
        #expect(throws: ObjectStoreError.unavailable("injected fault: connection reset during upload")) {
            try put(store, key("d/x"), patternBytes(200_000))
        }
        #expect(try fixture.store.head(key("d/x")) == nil)
        #expect(try fixture.store.list(prefix: "").isEmpty)
        try put(store, key("d/x"), [5])  // the fault was used up
        #expect(try read(fixture.store, key("d/x")) == [5])
    }

    @Test func damagedReadsReachTheReader() throws {
        let store = faulty()
        let bytes = patternBytes(1000)
        try put(store, key("g/x"), bytes)
        store.damageNextGet(.truncate(after: 600))
        #expect(try read(store, key("g/x")) == Array(bytes.prefix(600)))
        store.damageNextGet(.corrupt(at: 700))
        let corrupted = try read(store, key("g/x"))
        #expect(corrupted.count == 1000 && corrupted != bytes && corrupted[700] == bytes[700] ^ 0xff)
        #expect(try read(store, key("g/x")) == bytes)
    }

    @Test func downStoreIsUnavailableForEveryCall() throws {
        let store = faulty()
        try put(store, key("x/y"), [1])
        store.isDown = true
        for call in [{ _ = try store.head(key("x/y")) }, { _ = try store.list(prefix: "") },
                     { _ = try read(store, key("x/y")) }, { try store.delete(key("x/y"), versionID: nil) }] {
            #expect { try call() } throws: { ($0 as? ObjectStoreError)?.isTransient == true }
        }
        store.isDown = false
        #expect(try store.head(key("x/y"))?.size == 1)
    }

    @Test func governanceLocksCanBeBypassedComplianceLocksCannot() throws {
        let clock = ManualClock()
        let until = clock.now().addingTimeInterval(3600)
        let governance = InMemoryObjectStore(clock: clock, lockMode: .governance)
        try put(governance, key("g"), [1], lockUntil: until)
        #expect(throws: ObjectStoreError.objectLocked(key("g"), until: until)) { try governance.delete(key("g"), versionID: nil) }
        try governance.deleteBypassingGovernance(key("g"), versionID: nil)
        #expect(try governance.head(key("g")) == nil)

        let compliance = InMemoryObjectStore(clock: clock, lockMode: .compliance)
        try put(compliance, key("c"), [1], lockUntil: until)
        #expect(throws: ObjectStoreError.objectLocked(key("c"), until: until)) {
            try compliance.deleteBypassingGovernance(key("c"), versionID: nil)
        }
        let unlocking = InMemoryObjectStore(clock: clock, lockMode: nil)
        #expect(throws: ObjectStoreError.lockUnsupported) { try put(unlocking, key("u"), [1], lockUntil: until) }
    }
}
