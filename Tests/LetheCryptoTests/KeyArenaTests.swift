import Foundation
@testable import LetheCrypto
import Testing

/// Keys live in one arena of locked memory that no core dump holds; slots are wiped on release;
/// 10,000 customers' keys fit in a fraction of the usual 8 MiB RLIMIT_MEMLOCK; refusal degrades.
@Suite struct KeyArenaTests {
    /// The Locked size (kB) and VmFlags of the mapping holding `address`, from /proc/self/smaps.
    static func mapping(of address: UnsafeRawPointer) throws -> (lockedKB: Int, flags: Set<String>) {
        // Read to the end: String(contentsOfFile:) stops after one read of a /proc file.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/self/smaps"))
        let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        try handle.close()
        let target = UInt(bitPattern: address)
        var inside = false
        var locked = 0
        for line in smaps.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = words.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= target && target < bounds[1]
            } else if inside, words.first == "Locked:" {
                locked = Int(words[1]) ?? 0
            } else if inside, words.first == "VmFlags:" {
                return (locked, Set(words.dropFirst().map(String.init)))
            }
        }
        throw KeyArenaTestError("no mapping holds the address")
    }

    @Test func aKeysBytesLiveInLockedMemoryThatNoCoreDumpHolds() throws {
        let key = SecretKey.random()
        let address = try #require(key.withUnsafeBytes { $0.baseAddress })
        let mapping = try Self.mapping(of: address)
        #expect(mapping.flags.contains("lo"), "not locked: \(mapping.flags.sorted())")
        #expect(mapping.flags.contains("dd"), "not excluded from core dumps: \(mapping.flags.sorted())")
        #expect(mapping.lockedKB >= 64)
        withExtendedLifetime(key) {}
    }

    @Test func aReleasedSlotIsWipedAndReused() throws {
        let arena = KeyArena()
        let slot = arena.allocate()
        slot.initializeMemory(as: UInt8.self, repeating: 0xa5)
        arena.release(slot)
        #expect(UnsafeRawBufferPointer(slot).allSatisfy { $0 == 0 })
        #expect(arena.statistics.slotsInUse == 0)
        #expect(arena.allocate().baseAddress == slot.baseAddress)
    }

    @Test func tenThousandKeysFitInFarLessThanEightMiBOfLockedMemory() throws {
        let arena = KeyArena()
        let slots = (0..<10_000).map { _ in arena.allocate() }
        #expect(Set(slots.map(\.baseAddress)).count == 10_000)
        let statistics = arena.statistics
        #expect(statistics.chunks == 5 && statistics.lockedChunks == 5)
        #expect(statistics.lockedBytes == 5 * 64 * 1024)
        // The real keys of 10,000 customers, in the shared arena: the whole process stays far
        // below the 8 MiB that RLIMIT_MEMLOCK usually allows.
        let keys = (0..<10_000).map { _ in SecretKey.random() }
        #expect(KeyArena.shared.statistics.lockedBytes <= 2 * 1024 * 1024)
        #expect(KeyArena.shared.statistics.lockedChunks == KeyArena.shared.statistics.chunks)
        withExtendedLifetime(keys) {}
        slots.forEach(arena.release)
    }

    @Test func whenTheSystemRefusesToLockKeysStillWorkAndOneWarningIsGiven() throws {
        let warnings = Warnings()
        let arena = KeyArena(chunkSize: Int(getpagesize()), lockMemory: { _, _ in ENOMEM })
        arena.setWarningHandler { warnings.append($0) }
        let slots = (0..<(3 * Int(getpagesize()) / 32)).map { _ in arena.allocate() }
        for (index, slot) in slots.enumerated() { slot.storeBytes(of: UInt32(index), as: UInt32.self) }
        #expect(slots.enumerated().allSatisfy { $0.element.load(as: UInt32.self) == UInt32($0.offset) })
        #expect(arena.statistics.chunks == 3 && arena.statistics.lockedChunks == 0)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.contains("mlock") == true)
        #expect(warnings.all.first?.contains("RLIMIT_MEMLOCK") == true)
    }

    @Test func aKeyFileIsReadIntoAKeyOnlyIfItIsExactly32Bytes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lethe-keyfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = SecretKey.random()
        let file = folder.appendingPathComponent("k")
        try key.withUnsafeBytes { try Data($0).write(to: file) }
        #expect(try SecretKey.read(keyFile: file.path) == key)
        for count in [0, 31, 33, 64] {
            try Data(repeating: 7, count: count).write(to: file)
            #expect(throws: CryptoError.invalidKeyLength(count)) { try SecretKey.read(keyFile: file.path) }
        }
        #expect { try SecretKey.read(keyFile: folder.appendingPathComponent("missing").path) } throws: {
            if case CryptoError.keyFileUnreadable = $0 { return true } else { return false }
        }
    }
}

/// Warnings collected from the arena's handler.
final class Warnings: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

struct KeyArenaTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
