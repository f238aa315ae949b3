internal import CArchive
import Foundation
import LetheCore
#if canImport(Glibc)
import Glibc
#endif

/// Constants and helpers shared by every libarchive handle.
enum LibArchive {
    static let ok = Int32(ARCHIVE_OK)
    static let warn = Int32(ARCHIVE_WARN)
    static let eof = Int32(ARCHIVE_EOF)
    static let fatal = Int32(ARCHIVE_FATAL)

    /// File-type bits as libarchive reports them (the POSIX `S_IF*` values, which Swift sees
    /// ambiguously through Glibc and Foundation).
    static let typeMask: UInt32 = 0o170000
    static let regular: UInt32 = 0o100000
    static let directory: UInt32 = 0o040000
    static let symlink: UInt32 = 0o120000

    /// A human name for a file type, for messages.
    static func kindName(_ type: UInt32, hardlink: Bool = false) -> String {
        if hardlink { return "hard link" }
        switch type & typeMask {
        case 0o100000: return "regular file"
        case 0o040000: return "directory"
        case 0o120000: return "symbolic link"
        case 0o020000: return "character device"
        case 0o060000: return "block device"
        case 0o010000: return "FIFO"
        case 0o140000: return "socket"
        default: return "unknown type"
        }
    }

    /// `handle` as just allocated by an `archive_*_new()` call; nil (out of memory) becomes
    /// `TarError.libarchive` naming `what` was being allocated.
    static func allocated(_ handle: OpaquePointer?, _ what: String) throws -> OpaquePointer {
        guard let handle else { throw TarError.libarchive("cannot allocate \(what)") }
        return handle
    }

    /// Turns the status of a call that sets `archive` up (a format, filter or option) into
    /// `TarError.libarchive` saying what was being set up.
    static func check(_ status: Int32, _ archive: OpaquePointer, _ what: String) throws {
        guard status == ok else { throw TarError.libarchive("\(what): \(message(archive, "status \(status)"))") }
    }

    /// The last error text of an archive handle.
    static func message(_ archive: OpaquePointer, _ fallback: String) -> String {
        if let text = archive_error_string(archive) { return String(cString: text) }
        return fallback
    }
}

/// Where the write callback sends libarchive's output; keeps the sink's own error.
final class SinkContext {
    let sink: any ByteSink
    var error: (any Error)?
    /// Set once the session failed: later output (from libarchive's clean-up) is dropped.
    var aborted = false
    init(_ sink: any ByteSink) { self.sink = sink }
}

/// Where the read callback pulls libarchive's input from; one fixed buffer.
final class SourceContext {
    let source: any ByteSource
    var error: (any Error)?
    let buffer: UnsafeMutableRawBufferPointer
    var reachedEnd = false
    init(_ source: any ByteSource, bufferSize: Int = 256 * 1024) {
        self.source = source
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }
    deinit { buffer.deallocate() }

    /// Reads into the buffer; 0 at the end.
    func fill() throws -> Int {
        if reachedEnd { return 0 }
        let n = try source.read(into: buffer)
        if n == 0 { reachedEnd = true }
        return n
    }

    /// Reads and discards whatever is left, so the source can check its end (final tag,
    /// nothing appended).
    func drain() throws {
        while try fill() > 0 {}
    }
}

private func sinkWriteCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?,
    _ buffer: UnsafeRawPointer?, _ length: Int
) -> Int {
    guard let client else { return -1 }
    let context = Unmanaged<SinkContext>.fromOpaque(client).takeUnretainedValue()
    if context.aborted { return length }
    if context.error != nil { return -1 }
    guard length > 0, let buffer else { return 0 }
    do {
        try context.sink.write(UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    } catch {
        context.error = error
        return -1
    }
}

private func sourceReadCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?,
    _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> Int {
    guard let client, let out else { return -1 }
    let context = Unmanaged<SourceContext>.fromOpaque(client).takeUnretainedValue()
    if context.error != nil { return -1 }
    do {
        let n = try context.fill()
        out.pointee = UnsafeRawPointer(context.buffer.baseAddress)
        return n
    } catch {
        context.error = error
        return -1
    }
}

/// An owned libarchive write handle streaming into a `ByteSink`.
final class LibArchiveWriter {
    let handle: OpaquePointer
    private let context: SinkContext
    private let names: NameLocale
    private var closed = false
    /// The compressor between libarchive and the sink, ended by `close()`.
    private var compressor: ZstdSink?

    /// Creates a writer; `configure` picks format and filters before the stream opens.
    ///
    /// - Parameter names: the locale entry headers are written under (see `NameLocale`):
    ///   `.bytes` for pax written with `hdrcharset=BINARY`, `.utf8` for zip.
    init(into sink: any ByteSink, names: NameLocale = .bytes, configure: (OpaquePointer) throws -> Void) throws {
        handle = try LibArchive.allocated(archive_write_new(), "a write handle")
        self.context = SinkContext(sink)
        self.names = names
        try configure(handle)
        let status = archive_write_open(
            handle, Unmanaged.passUnretained(context).toOpaque(), nil, sinkWriteCallback, nil)
        try check(status, "opening the archive stream")
    }

    /// Creates a writer whose stream is compressed with zstd (level 3) into `sink`: by a
    /// ``ZstdSink`` with a context reused across the process's archives, or, when libzstd
    /// cannot be loaded directly, by libarchive's own zstd filter (a context per archive).
    convenience init(zstdInto sink: any ByteSink, configure: (OpaquePointer) throws -> Void) throws {
        guard let pool = ZstdContextPool.shared else {
            try self.init(into: sink) { archive in
                try configure(archive)
                try LibArchive.check(archive_write_add_filter_zstd(archive), archive, "adding the zstd filter")
                try LibArchive.check(archive_write_set_filter_option(archive, "zstd", "compression-level", String(ZstdContextPool.level)),
                                     archive, "setting the zstd level")
            }
            return
        }
        let compressor = try ZstdSink(into: sink, pool: pool)
        try self.init(into: compressor, configure: configure)
        self.compressor = compressor
    }

    deinit {
        // A writer not closed cleanly must not flush a trailer into the sink.
        if !closed { context.aborted = true }
        archive_write_free(handle)
    }

    /// Turns a libarchive status into an error; the sink's own error wins.
    func check(_ status: Int32, _ what: String, allowWarning: Bool = false) throws {
        if status == LibArchive.ok || (allowWarning && status == LibArchive.warn) { return }
        if let error = context.error { context.aborted = true; throw error }
        context.aborted = true
        throw TarError.libarchive("\(what): \(LibArchive.message(handle, "status \(status)"))")
    }

    /// Writes an entry header; a warning is an error unless `allowWarning` (hostile test streams).
    func writeHeader(_ entry: LibArchiveEntry, allowWarning: Bool = false) throws {
        let status = try names.run { archive_write_header(handle, entry.handle) }
        try check(status, "writing an entry header", allowWarning: allowWarning)
    }

    /// Writes entry data, all of it.
    func writeData(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(handle, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { try check(n == 0 ? LibArchive.fatal : Int32(truncatingIfNeeded: n), "writing entry data") }
            offset += n
        }
    }

    /// Ends the current entry.
    func finishEntry() throws {
        try check(archive_write_finish_entry(handle), "ending an entry")
    }

    /// Writes the trailer and flushes everything into the sink.
    func close() throws {
        let status = archive_write_close(handle)
        if status != LibArchive.ok {
            try check(status, "closing the archive stream")
        }
        closed = true
        try compressor?.finish()
    }
}

/// An owned libarchive read handle pulling from a `ByteSource`.
final class LibArchiveReader {
    let handle: OpaquePointer
    let context: SourceContext

    /// Opens a reader for tar (pax/ustar) with the given filters (`zstd` or none).
    ///
    /// Every header is read under the "C" locale (`NameLocale.bytes`): names come back as the
    /// bytes stored, whether the archive marks them `hdrcharset=BINARY` or as UTF-8.
    init(from source: any ByteSource, zstd: Bool) throws {
        handle = try LibArchive.allocated(archive_read_new(), "a read handle")
        self.context = SourceContext(source)
        try check(archive_read_support_format_tar(handle), "enabling the tar format")
        if zstd {
            try check(archive_read_support_filter_zstd(handle), "enabling zstd")
        } else {
            try check(archive_read_support_filter_none(handle), "enabling raw input")
        }
        let status = try NameLocale.bytes.run {
            archive_read_open(handle, Unmanaged.passUnretained(context).toOpaque(), nil, sourceReadCallback, nil)
        }
        try check(status, "opening the archive stream")
    }

    deinit { archive_read_free(handle) }

    /// Turns a libarchive status into an error; the source's own error wins (an
    /// authentication failure underneath must reach the caller as itself).
    func check(_ status: Int32, _ what: String) throws {
        if status == LibArchive.ok { return }
        if let error = context.error { throw error }
        throw TarError.libarchive("\(what): \(LibArchive.message(handle, "status \(status)"))")
    }

    /// The next entry header, or nil at the end of the archive. The entry is owned by the
    /// reader and valid until the next call.
    ///
    /// A warning is accepted only when libarchive says a name could not be converted to the
    /// locale's character set: under "C" that is every non-ASCII UTF-8 name of an archive
    /// written without `hdrcharset=BINARY`, and libarchive then keeps the stored bytes, which is
    /// what a restore wants. Any other warning is an error. (A header with two warnings reports
    /// only the last; the manifest check after the last entry still compares every name, type,
    /// size, target, mode and time with what the packer wrote.)
    func nextHeader() throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let status = try NameLocale.bytes.run { archive_read_next_header(handle, &entry) }
        if status == LibArchive.eof { return nil }
        if status == LibArchive.warn, context.error == nil, isNameConversionWarning { return entry }
        try check(status, "reading an entry header")
        return entry
    }

    /// Whether the handle's last error is libarchive's "<field> can't be converted from UTF-8
    /// to current locale." for a name field.
    private var isNameConversionWarning: Bool {
        guard let text = archive_error_string(handle) else { return false }
        let message = String(cString: text)
        return ["Pathname", "Linkname", "Uname", "Gname"].contains { field in
            message == "\(field) can't be converted from UTF-8 to current locale."
        }
    }

    /// Reads entry data into `buffer`; 0 at the end of the entry.
    func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = archive_read_data(handle, buffer.baseAddress, buffer.count)
        if n < 0 { try check(Int32(truncatingIfNeeded: n), "reading entry data") }
        return n
    }

    /// Closes the reader, then drains the source to its end.
    func finish() throws {
        try check(archive_read_close(handle), "closing the archive stream")
        try context.drain()
    }
}

/// An owned `archive_entry`.
final class LibArchiveEntry {
    let handle: OpaquePointer
    init() throws {
        handle = try LibArchive.allocated(archive_entry_new(), "an entry")
    }
    deinit { archive_entry_free(handle) }

    /// Fills the entry for one regular file, directory or symlink.
    func set(path: [UInt8], type: UInt32, mode: UInt32, size: Int64,
             mtime: Int, mtimeNanos: Int, symlink: [UInt8]? = nil, hardlink: [UInt8]? = nil) {
        archive_entry_clear(handle)
        path.withCString { archive_entry_copy_pathname(handle, $0) }
        archive_entry_set_filetype(handle, type)
        archive_entry_set_perm(handle, mode_t(mode & 0o7777))
        archive_entry_set_size(handle, size)
        archive_entry_set_mtime(handle, time_t(mtime), mtimeNanos)
        if let symlink { symlink.withCString { archive_entry_copy_symlink(handle, $0) } }
        if let hardlink { hardlink.withCString { archive_entry_copy_hardlink(handle, $0) } }
    }
}

/// Reads of an entry owned by a reader.
enum EntryFields {
    static func bytes(_ pointer: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let pointer else { return nil }
        let count = strlen(pointer)
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            Array(UnsafeBufferPointer(start: $0, count: count))
        }
    }
    static func path(_ entry: OpaquePointer) -> [UInt8] { bytes(archive_entry_pathname(entry)) ?? [] }
    static func symlink(_ entry: OpaquePointer) -> [UInt8]? { bytes(archive_entry_symlink(entry)) }
    static func hardlink(_ entry: OpaquePointer) -> [UInt8]? { bytes(archive_entry_hardlink(entry)) }
    static func type(_ entry: OpaquePointer) -> UInt32 { UInt32(archive_entry_filetype(entry)) & LibArchive.typeMask }
    static func mode(_ entry: OpaquePointer) -> UInt32 { UInt32(archive_entry_perm(entry)) & 0o7777 }
    static func size(_ entry: OpaquePointer) -> Int64 { archive_entry_size(entry) }
    static func mtime(_ entry: OpaquePointer) -> (Int, Int) {
        (Int(archive_entry_mtime(entry)), Int(archive_entry_mtime_nsec(entry)))
    }
}

extension Array where Element == UInt8 {
    /// Calls `body` with the bytes as a NUL-terminated C string.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var copy = self
        copy.append(0)
        return try copy.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }
}
