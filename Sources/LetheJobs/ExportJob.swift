import Foundation
import LetheCatalog
import LetheCore
import LetheTar
#if canImport(Glibc)
import Glibc
#endif

/// What an export wrote.
public struct ExportOutcome: Codable, Sendable {
    public var pseudonym: String
    public var set: String
    public var location: String
    public var output: String
    public var format: String
    public var bytes: Int64
}

/// Writes one customer's data as a standard, unencrypted tar or zip, for a data-portability
/// request. The copy is authenticated as it is read; the output appears under its name only
/// once complete (temporary file beside it, fsync, then linked into place without replacing
/// anything), and a failed export leaves nothing behind.
public struct ExportJob: Sendable {
    let home: Home

    public init(home: Home) { self.home = home }

    /// Exports `customer` from `set` (nil: the newest set with a readable copy) into `output`.
    ///
    /// - Throws: `invalidRequest` (exit 64) when `output` lies inside the source root;
    ///   `customerShredded` (exit 4) once the customer is shredded; `unknownCustomer`,
    ///   `notFound`; `outputExists` if `output` exists; integrity errors from the copy.
    public func run(customer: CustomerID, set: SetID?, from location: Location? = nil, to output: URL,
                    format: ExportFormat) throws -> ExportOutcome {
        try PathContainment.refuseInsideSourceRoot(output, of: home, what: "export output")
        let copy = try CopyResolver(home: home).copy(of: customer, set: set, from: location)
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: output.path) || (try? fileManager.destinationOfSymbolicLink(atPath: output.path)) != nil {
            throw JobError.outputExists(output.path)
        }
        let folder = output.deletingLastPathComponent()
        guard fileManager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw JobError.failed("the folder \(folder.path) does not exist: create it first")
        }
        let temporary = folder.appendingPathComponent(".lethe-export-" + RandomName.base32(count: 12))
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw JobError.failed("cannot create a file in \(folder.path): \(String(cString: strerror(errno)))")
        }
        let sink = ExportFile(fd: fd, path: temporary.path)
        var linked = false
        defer {
            sink.close()
            unlink(temporary.path)
            if !linked { _ = try? DurableFile.syncDirectory(folder) }
        }
        try CopyReader(home: home).read(copy) { plaintext in
            try TarExporter.export(from: plaintext, to: sink, format: format)
        }
        guard fsync(fd) == 0 else { throw JobError.failed("cannot sync \(temporary.path): \(String(cString: strerror(errno)))") }
        // Erasure wins the race: checked before the output appears, and again after (a shred
        // committed in between removes it).
        try home.keys.refuseShredded(customer)
        // link(2) never replaces: a file that appeared at `output` meanwhile is left alone.
        guard link(temporary.path, output.path) == 0 else {
            if errno == EEXIST { throw JobError.outputExists(output.path) }
            throw JobError.failed("cannot create \(output.path): \(String(cString: strerror(errno)))")
        }
        linked = true
        do {
            try home.keys.refuseShredded(customer)
        } catch {
            unlink(output.path)
            try? DurableFile.syncDirectory(folder)
            throw error
        }
        try DurableFile.syncDirectory(folder)
        try home.catalog.record(LedgerEvent(kind: "customer.exported", at: home.clock.now(), details: [
            "pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "location": copy.location.rawValue,
            "format": format.rawValue, "bytes": String(sink.written)]))
        home.log.info("export.done", ["pseudonym": copy.pseudonym.rawValue, "set": copy.setID.rawValue, "format": format.rawValue])
        return ExportOutcome(pseudonym: copy.pseudonym.rawValue, set: copy.setID.rawValue, location: copy.location.rawValue, output: output.path,
                             format: format.rawValue, bytes: sink.written)
    }
}

/// The export's temporary file.
private final class ExportFile: ByteSink {
    private var fd: Int32
    private let path: String
    private(set) var written: Int64 = 0

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0, !bytes.isEmpty else { return }
        try DurableFile.writeAll(fd, bytes, path: path)
        written += Int64(bytes.count)
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
