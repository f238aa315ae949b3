import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// A differential's bases, read as streams after it, newest first: the differential's own base
/// (position 0), then that base's base. ``TarUnpacker/unpack(from:into:base:)`` writes each
/// unchanged file once, straight to its place, instead of restoring every base's whole tree.
public struct StreamedBases {
    /// The bases' archive ids, newest first (each archive's manifest must name the next one as
    /// its base; the last one is full).
    public var archives: [String]
    /// Hands the decrypted stream of base `position` to `body`.
    public var read: (_ position: Int, _ body: (any ByteSource) throws -> Void) throws -> Void
    /// A new private (0700), empty folder, for base files whose destination is known only once
    /// their base's listing has been read (a moved file); removed by the unpack.
    public var makeScratch: () throws -> URL

    /// Bases.
    public init(archives: [String], read: @escaping (Int, (any ByteSource) throws -> Void) throws -> Void,
                makeScratch: @escaping () throws -> URL) {
        (self.archives, self.read, self.makeScratch) = (archives, read, makeScratch)
    }
}

/// Streamed bases could not place every unchanged file, for a reason restoring the bases' trees
/// first will either handle (two files of the same size and time that swapped paths) or name
/// precisely (a base that does not match). Thrown with the staging folder partly written: the
/// caller starts again in a fresh one with ``UnpackBase``; never shown to a user.
public struct StreamedBasesFallback: Error, Equatable {
    /// What the streams could not settle.
    public let reason: String
}

/// How a differential's `from_base` files get there: what is in the base's tree (``UnpackBase``)
/// or the bases' streams (``StreamedBases``).
public enum DifferentialBase {
    /// The base restored into a folder first.
    case restored(UnpackBase)
    /// The bases read after the differential.
    case streamed(StreamedBases)
}

/// Puts a differential's `from_base` files in place from its bases' streams, newest base first.
///
/// While a base streams, a regular file whose path and size and time are those of a file still
/// needed at that path is written there (in a folder the differential's tar created, never
/// over an entry); one of a needed size and time at another path (a moved file) goes to the
/// scratch folder; the rest is read through. Once the base's manifest has been checked, each
/// needed identity is looked up in it: a file written where its manifest entry has another
/// identity, or a needed identity the base lacks or holds in another size or time, ends the
/// attempt (``StreamedBasesFallback``); a `from_base` entry passes the need to the next base.
/// Files are given their mode and time at the end, as ``BasePlacement`` does.
struct StreamedPlacement {
    let root: [UInt8]
    let manifest: TarManifest
    let folders: Set<[UInt8]>
    let bases: StreamedBases

    /// A file the differential takes from a base: where it goes and its manifest entry.
    struct Need {
        let relative: [UInt8]
        let entry: TarManifest.Entry
    }

    /// A size and modification time.
    struct Shape: Hashable {
        let size: Int64, mtime: Int, nanos: Int
        init(_ entry: TarManifest.Entry) { (size, mtime, nanos) = (entry.size, entry.mtime, entry.mtimeNanos) }
        init(_ entry: CheckedEntry) { (size, mtime, nanos) = (entry.size, entry.mtime, entry.mtimeNanos) }
    }

    /// Where a base file's content was written while it streamed.
    enum Written {
        /// At need `n`'s place.
        case placed(Int)
        /// In the scratch folder, at this path.
        case scratch([UInt8])
    }

    /// Places every `from_base` file; returns how many and their bytes.
    func run() throws -> (files: Int, bytes: Int64) {
        guard manifest.base == bases.archives.first else {
            throw StreamedBasesFallback(reason: "the differential names another base than the one given")
        }
        var placedPaths: Set<[UInt8]> = []
        let needs = try manifest.entries.filter { $0.fromBase == true }.map { entry in
            Need(relative: try BasePlacement.destination(of: entry, folders: folders, placed: &placedPaths), entry: entry)
        }
        guard !needs.isEmpty else { return (0, 0) }
        var scratch = Scratch(make: bases.makeScratch)
        defer { scratch.remove() }
        var pending = Dictionary(grouping: needs.indices) { needs[$0].entry.identity }
        for position in bases.archives.indices where !pending.isEmpty {
            let later = position + 1 < bases.archives.count ? bases.archives[position + 1] : nil
            let (written, listing) = try stream(position, pending: pending, needs: needs, scratch: &scratch)
            pending = try settle(pending, needs: needs, written: written, listing: listing, later: later)
        }
        guard pending.isEmpty else { throw StreamedBasesFallback(reason: "an unchanged file is in none of the bases") }
        var bytes: Int64 = 0
        for need in needs {
            try UnchangedFile.finish(root + need.relative, as: need.entry)
            bytes += need.entry.size
        }
        return (needs.count, bytes)
    }

    /// Reads base `position` through, writing the files the pending needs may take; returns
    /// where each went and the base's checked manifest.
    func stream(_ position: Int, pending: [BaseIndexKey: [Int]], needs: [Need],
                scratch: inout Scratch) throws -> (written: [[UInt8]: Written], listing: TarManifest) {
        var atPath: [[UInt8]: Int] = [:]
        var shapes: Set<Shape> = []
        for indices in pending.values {
            for n in indices {
                atPath[needs[n].relative] = n
                shapes.insert(Shape(needs[n].entry))
            }
        }
        var written: [[UInt8]: Written] = [:]
        var listing: TarManifest?
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: TarPacker.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        try bases.read(position) { source in
            let reader = try SafeArchiveReader(from: source)
            try reader.run { checked, readData in
                guard checked.rows == nil, checked.type == LibArchive.regular else { return }
                let shape = Shape(checked)
                let destination: Written
                if let n = atPath[checked.relative], Shape(needs[n].entry) == shape {
                    destination = .placed(n)
                } else if shapes.contains(shape) {
                    destination = .scratch(try scratch.next())
                } else {
                    return
                }
                let path: [UInt8]
                switch destination {
                case .placed(let n): path = root + needs[n].relative
                case .scratch(let file): path = file
                }
                try write(path, size: checked.size, buffer: buffer, readData: readData)
                written[checked.relative] = destination
            }
            listing = reader.declared
        }
        guard let listing else { throw TarError.manifestMissing }
        return (written, listing)
    }

    /// Checks what `stream` wrote against the base's `listing` and puts the files found there
    /// in place; returns the needs the next base must meet (its `from_base` files).
    func settle(_ pending: [BaseIndexKey: [Int]], needs: [Need], written: [[UInt8]: Written], listing: TarManifest,
                later: String?) throws -> [BaseIndexKey: [Int]] {
        func fallback(_ reason: String) -> StreamedBasesFallback { StreamedBasesFallback(reason: reason) }
        guard listing.base == later else { throw fallback("a base names another base than the chain's next one") }
        var entryAt: [[UInt8]: TarManifest.Entry] = [:]
        for entry in listing.entries where entry.type == TarManifest.fileType && entry.fromBase != true {
            if let relative = try? BasePlacement.relative(entry.path) { entryAt[relative] = entry }
        }
        // A file written at its place must be, by the base's manifest, a stored file of the
        // needed identity, size and time.
        var done = Set<Int>()
        for (path, destination) in written {
            guard case .placed(let n) = destination else { continue }
            guard let entry = entryAt[path], entry.device != nil, entry.identity == needs[n].entry.identity,
                  entry.hasSameSizeAndTime(as: needs[n].entry) else {
                throw fallback("a file written at its place has another identity in the base")
            }
            done.insert(n)
        }
        let byIdentity = ArchiveListing(manifest: listing).filesByIdentity()
        var next: [BaseIndexKey: [Int]] = [:]
        for (key, indices) in pending {
            let waiting = indices.filter { !done.contains($0) }
            guard !waiting.isEmpty else { continue }
            guard let source = byIdentity[key], waiting.allSatisfy({ source.hasSameSizeAndTime(as: needs[$0].entry) }) else {
                throw fallback("a base has no file of an unchanged entry's identity, size and time")
            }
            if source.fromBase == true {
                guard later != nil, done.isDisjoint(with: indices) else { throw fallback("a base's unchanged file has no base") }
                next[key] = waiting
                continue
            }
            // Another place of the same identity already holds it, or the scratch folder does.
            let origin: (path: [UInt8], movable: Bool)
            if let n = indices.first(where: done.contains) {
                origin = (root + needs[n].relative, false)
            } else if case .scratch(let file)? = written[try BasePlacement.relative(source.path)] {
                origin = (file, true)
            } else {
                throw fallback("a base file an unchanged entry needs was not kept")
            }
            for (position, n) in waiting.enumerated() {
                let to = root + needs[n].relative
                if origin.movable && position == waiting.count - 1 {
                    try UnchangedFile.move(from: origin.path, to: to)
                } else {
                    try UnchangedFile.copy(from: origin.path, to: to)
                }
            }
        }
        return next
    }

    /// Writes the current entry's `size` bytes into a new file at `path`.
    func write(_ path: [UInt8], size: Int64, buffer: UnsafeMutableRawBufferPointer,
               readData: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        let output = try UnchangedFile.create(path)
        defer { close(output) }
        var total: Int64 = 0
        while true {
            let n = try readData(buffer)
            if n == 0 { break }
            try UnchangedFile.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), to: output)
            total += Int64(n)
        }
        guard total == size else { throw TarError.libarchive("a regular file's content is shorter than its header says") }
    }
}

/// The scratch folder of a streamed placement, made when first needed: files named by number.
struct Scratch {
    let make: () throws -> URL
    private var folder: [UInt8]?
    private var count = 0

    init(make: @escaping () throws -> URL) { self.make = make }

    /// The path of a new scratch file.
    mutating func next() throws -> [UInt8] {
        if folder == nil { folder = Array(try make().path.utf8) }
        count += 1
        return folder! + Array("/\(count)".utf8)
    }

    /// Removes the folder and what is left in it.
    func remove() {
        guard let folder, let path = String(bytes: folder, encoding: .utf8) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
