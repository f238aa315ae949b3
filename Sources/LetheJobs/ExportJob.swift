import Foundation
import LetheCatalog
import LetheCore
import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// Writes one customer's data as a standard, unencrypted tar (plain, gzip or zstd) or zip, for a
/// data-portability request. The copy is authenticated as it is read; the output appears under
/// its name only once complete (temporary file beside it, fsync, then linked into place without
/// replacing anything), and a failed export leaves nothing behind. A file's format is the one its
/// name ends in (`ExportFormat`).
public struct ExportJob: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Exports `customer` from `set` (nil: the newest set with a readable copy) into `output`, in
    /// the format its name ends in (``format(of:requested:)``).
    ///
    /// - Parameters:
    ///   - location: the location to read; nil prefers local and falls back to the offsite copy
    ///     of the same archive when the local one is missing or fails authentication (a new
    ///     temporary file; the outcome's `fallback` says why).
    ///   - format: the format asked for (`--format`); nil takes the name's.
    /// - Throws: `invalidRequest` (exit 64) when `output` lies inside the source root, its name
    ///   ends in no export format or `format` contradicts it; `customerShredded` (exit 4) once the
    ///   customer is shredded; `unknownCustomer`, `notFound`; `outputExists` if `output` exists;
    ///   integrity errors from the copy.
    public func run(customer: CustomerID, set: SetID?, from location: Location? = nil, to output: URL,
                    format: ExportFormat? = nil) throws -> ExportOutcome {
        let format = try Self.format(of: output, requested: format)
        try PathContainment.refuseInsideSourceRoot(output, of: home, what: "export output")
        let resolver = CopyResolver(home: home)
        let copy = try resolver.copy(of: customer, set: set, from: location)
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: output.path) || (try? fileManager.destinationOfSymbolicLink(atPath: output.path)) != nil {
            throw JobError.outputExists(output.path)
        }
        let folder = output.deletingLastPathComponent()
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw JobError.failed("the folder \(folder.path) does not exist: create it first")
        }
        // Each attempt (a fallback to the offsite copy is a second one) writes a new temporary
        // file; a failed one is removed before anything appears under the output's name.
        let read = try resolver.read(copy, pinned: location) { copy -> (bytes: Int64, unreadable: [String]) in
            var unreadable: [String] = []
            let written = try DurableFile.publish(
                output, .noReplace, mode: 0o600, temporaryName: ".lethe-export-" + RandomName.base32(count: 12),
                failure: { Self.exportError($0, folder: folder) },
                write: { sink in
                    let sizes = try rowSizes(of: copy)
                    unreadable = try export(copy, to: sink, format: format, rowSizes: sizes, scratch: folder)
                },
                // Erasure wins the race: checked before the output appears, and again after (a
                // shred committed in between takes it back).
                beforePublishing: { try home.keys.refuseShredded(customer) },
                afterPublishing: { try home.keys.refuseShredded(customer) })
            return (written, unreadable)
        }
        return try recordExport(read, to: output.path, format: format)
    }

    /// The format of an export into the file `output`: the one its name ends in (`.tar`,
    /// `.tar.gz`, `.tar.zst`, `.zip`), so that the name never promises what the file is not.
    ///
    /// - Parameter requested: the format asked for (`--format`), if any: it must be that one.
    /// - Throws: `invalidRequest` (exit 64) for a name that ends in none of them, or a
    ///   `requested` format the name contradicts.
    static func format(of output: URL, requested: ExportFormat?) throws -> ExportFormat {
        let name = output.lastPathComponent
        let endings = ExportFormat.allCases.map(\.fileExtension)
        guard let named = ExportFormat(fileName: name) else {
            throw JobError.invalidRequest("the export output '\(name)' must end in \(endings.dropLast().joined(separator: ", ")) or \(endings.last!), which names its format: rename it (nothing was written)")
        }
        if let requested, requested != named {
            let renamed = name.dropLast(named.fileExtension.count) + requested.fileExtension
            throw JobError.invalidRequest("--format \(requested.rawValue) contradicts the export output '\(name)', whose name makes it \(named.rawValue): name it '\(renamed)', or drop --format (nothing was written)")
        }
        return named
    }

    /// The job's error for a failed step of writing the output (link(2) never replaces: a file
    /// that appeared at the output meanwhile is left alone and reported as existing).
    private static func exportError(_ error: DurableFileError, folder: URL) -> any Error {
        let reason = String(cString: strerror(error.code))
        switch error.operation {
        case .create: return JobError.failed("cannot create a file in \(folder.path): \(reason)")
        case .sync: return JobError.failed("cannot sync \(error.path): \(reason)")
        case .link where error.code == EEXIST: return JobError.outputExists(error.path)
        case .link: return JobError.failed("cannot create \(error.path): \(reason)")
        case .open, .write, .close, .rename, .remove, .openFolder, .syncFolder: return error
        }
    }

    /// The name an export to standard output is recorded under.
    public static let standardOutput = "-"

    /// Exports `customer` from `set` (nil: the newest set with a readable copy) as a stream on
    /// standard output (or `fd`), for a pipe to another tool.
    ///
    /// A stream cannot be taken back, so erasure wins by holding the tail back: output leaves in
    /// blocks of `ShredCheckedStream.blockSize`, each sent only after the tombstone is checked,
    /// and the last block (which completes the tar or zip) only after a final check. A shred that
    /// lands during the export therefore stops the stream short of a complete archive. For the
    /// same reason, with no `location` it falls back to the offsite copy (as `run` does) only
    /// while nothing has been sent.
    ///
    /// - Throws: `customerShredded` (exit 4) before the first byte, or mid-stream once a shred
    ///   lands (the reader holds an incomplete archive); `unknownCustomer`, `notFound`; integrity
    ///   errors from the copy (the stream stops there too); a failed write.
    public func stream(customer: CustomerID, set: SetID?, from location: Location? = nil, format: ExportFormat,
                       to fd: Int32 = STDOUT_FILENO) throws -> ExportOutcome {
        let resolver = CopyResolver(home: home)
        let copy = try resolver.copy(of: customer, set: set, from: location)
        let keys = home.keys
        // A stream falls back to the offsite copy only while nothing has left the process.
        var sent: Int64 = 0
        let read = try resolver.read(copy, pinned: location, canRetry: { sent == 0 }) { copy -> (bytes: Int64, unreadable: [String]) in
            let sink = ShredCheckedStream(fd: fd) { try keys.refuseShredded(customer) }
            do {
                let sizes = try rowSizes(of: copy)
                let unreadable = try export(copy, to: sink, format: format, rowSizes: sizes,
                                            scratch: FileManager.default.temporaryDirectory)
                try sink.finish()
                return (sink.written, unreadable)
            } catch {
                sent = sink.written
                throw error
            }
        }
        return try recordExport(read, to: Self.standardOutput, format: format)
    }

    /// Records a finished export in the ledger (with the location of the copy read) and the log,
    /// and describes it.
    /// Each table's size in `copy`, so the export writes each table as one `rows/<table>.csv`
    /// (an entry's header holds its size); nil for a copy without rows. This first reading
    /// decrypts only the archive's start (the rows come first), up to the first entry that is
    /// not a piece of rows: one chunk for a copy without rows.
    private func rowSizes(of copy: CopyRecord) throws -> RowsSizes? {
        try CopyReader(home: home).read(copy, toEnd: false) { try TarRowsReader.tableSizes(from: $0) }
    }

    private func recordExport(_ read: CopyRead<(bytes: Int64, unreadable: [String])>, to output: String,
                              format: ExportFormat) throws -> ExportOutcome {
        let copy = read.copy, bytes = read.value.bytes, unreadable = read.value.unreadable
        try home.catalog.record(LedgerEvent(LedgerEvent.CustomerExported(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location,
                                                                         format: format.rawValue, bytes: bytes), at: home.clock.now()))
        home.log.info("export.done", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "format": format.rawValue,
                                      "location": copy.location.rawValue])
        return ExportOutcome(pseudonym: copy.pseudonym, set: copy.setID, location: copy.location, output: output, format: format, bytes: bytes,
                             fallback: read.fallback, unreadableSkipped: unreadable.isEmpty ? nil : unreadable.count, unreadablePaths: unreadable)
    }
}

/// An export stream that sends nothing the customer's tombstone has not been checked for:
/// output is held in blocks, and each block leaves only after `refuseShredded` passes.
final class ShredCheckedStream: ByteSink {
    /// How much is held back between checks (one key-store read per block).
    static let blockSize = 1 << 20

    private let fd: Int32
    private let refuseShredded: () throws -> Void
    private var pending: [UInt8] = []
    private(set) var written: Int64 = 0

    init(fd: Int32, refuseShredded: @escaping () throws -> Void) {
        self.fd = fd
        self.refuseShredded = refuseShredded
        pending.reserveCapacity(Self.blockSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes[...]
        while !rest.isEmpty {
            let taken = rest.prefix(Self.blockSize - pending.count)
            pending.append(contentsOf: taken)
            rest = rest.dropFirst(taken.count)
            if pending.count == Self.blockSize { try send() }
        }
    }

    /// Sends the held tail (which completes the archive) after a last check, then checks once
    /// more: a shred that landed while the tail was written still fails the run.
    func finish() throws {
        try send()
        try refuseShredded()
    }

    private func send() throws {
        try refuseShredded()
        try pending.withUnsafeBytes { try DurableFile.writeAll(fd, $0, path: "standard output") }
        written += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }
}
