import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where every `SecretKey` keeps its bytes: fixed 32-byte slots in large chunks of anonymous
/// memory, each chunk locked in RAM (`mlock`: never written to swap) and excluded from core dumps
/// (`MADV_DONTDUMP`); a slot is wiped (`sodium_memzero`) when released and reused from a free list.
///
/// One chunk (64 KiB, 2,048 slots) is locked at a time, so 10,000 customer keys need 320 KiB of
/// locked memory, far below the usual 8 MiB `RLIMIT_MEMLOCK` (a guarded `sodium_malloc` per key
/// would take at least three pages each). When the system refuses to lock (the limit is reached,
/// or 0), keys still work from unlocked chunks (still excluded from dumps): the warning handler
/// is called once per process, with the reason and never a key byte. Chunks are never unmapped.
/// Thread-safe.
public final class KeyArena: @unchecked Sendable {
    /// The arena every `SecretKey` uses.
    public static let shared = KeyArena()

    /// What the arena holds, for status and tests.
    public struct Statistics: Sendable, Equatable {
        /// Chunks mapped, and how many of them are locked in RAM.
        public var chunks: Int
        public var lockedChunks: Int
        /// Slots holding a key now.
        public var slotsInUse: Int
        /// Bytes locked in RAM by the arena.
        public var lockedBytes: Int
    }

    static let slotSize = SecretKey.byteCount
    let chunkSize: Int
    /// `mlock`, replaceable in tests to play a refusing system; returns 0 or an errno.
    private let lockMemory: @Sendable (UnsafeMutableRawPointer, Int) -> Int32
    private let lock = NSLock()
    // Guarded by `lock`.
    private var free: [UnsafeMutableRawPointer] = []
    private var chunks = 0
    private var lockedChunks = 0
    private var inUse = 0
    private var warned = false
    private var warningHandler: @Sendable (String) -> Void = { reason in
        FileHandle.standardError.write(Data("lethe: warning: \(reason)\n".utf8))
    }

    init(chunkSize: Int = 64 * 1024,
         lockMemory: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Int32 = { mlock($0, $1) == 0 ? 0 : errno }) {
        precondition(chunkSize % Int(getpagesize()) == 0 && chunkSize >= Self.slotSize, "a chunk is whole pages")
        self.chunkSize = chunkSize
        self.lockMemory = lockMemory
    }

    /// Replaces what is done, once per process, when memory cannot be locked or kept out of
    /// core dumps (by default a line on standard error). Set it before the first key is made.
    public func setWarningHandler(_ handler: @escaping @Sendable (String) -> Void) {
        lock.withLock { warningHandler = handler }
    }

    /// The arena's chunks and slots now.
    public var statistics: Statistics {
        lock.withLock {
            Statistics(chunks: chunks, lockedChunks: lockedChunks, slotsInUse: inUse, lockedBytes: lockedChunks * chunkSize)
        }
    }

    /// A zeroed 32-byte slot, 16-byte aligned; give it back with `release`.
    func allocate() -> UnsafeMutableRawBufferPointer {
        var warning: (String, @Sendable (String) -> Void)?
        let slot = lock.withLock { () -> UnsafeMutableRawPointer in
            if free.isEmpty { warning = addChunk() }
            inUse += 1
            return free.removeLast()
        }
        if let (reason, handler) = warning { handler(reason) }
        return UnsafeMutableRawBufferPointer(start: slot, count: Self.slotSize)
    }

    /// Wipes a slot `allocate` returned and puts it back on the free list.
    func release(_ slot: UnsafeMutableRawBufferPointer) {
        SecureMemory.zero(slot)
        lock.withLock {
            inUse -= 1
            free.append(slot.baseAddress!)
        }
    }

    /// Maps, advises and locks one chunk and puts its slots on the free list (called with `lock`
    /// held); returns the warning to give, the first time something was refused.
    private func addChunk() -> (String, @Sendable (String) -> Void)? {
        guard let base = mmap(nil, chunkSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              base != MAP_FAILED else {
            fatalError("cannot map \(chunkSize) bytes for keys: out of memory (\(String(cString: strerror(errno))))")
        }
        var refused: [String] = []
        if madvise(base, chunkSize, MADV_DONTDUMP) != 0 {
            refused.append("excluded from core dumps (madvise: \(String(cString: strerror(errno))))")
        }
        let locked = lockMemory(base, chunkSize)
        if locked == 0 {
            lockedChunks += 1
        } else {
            refused.append("locked in RAM (mlock: \(String(cString: strerror(locked))); raise RLIMIT_MEMLOCK, "
                           + "e.g. LimitMEMLOCK= in the systemd unit, so keys cannot be written to swap)")
        }
        chunks += 1
        let slots = chunkSize / Self.slotSize
        free.reserveCapacity(free.count + slots)
        for index in stride(from: slots - 1, through: 0, by: -1) { free.append(base + index * Self.slotSize) }
        guard !refused.isEmpty, !warned else { return nil }
        warned = true
        return ("key memory could not be " + refused.joined(separator: " nor ") + "; keys still work", warningHandler)
    }
}
