import Foundation
import LetheCore
import LetheTar

extension ExportJob {
    /// Writes `copy` as `format` into `sink` and returns the paths its manifest lists as
    /// unreadable at backup. A full archive streams straight through ``TarExporter``. A
    /// differential is first restored with its bases (``CopyChain``, as `restore` reads it) into
    /// a private folder in `scratch`, packed again there into a temporary Lethe stream (never
    /// encrypted, removed before this returns, as the restored tree is), and exported from that.
    func export(_ copy: CopyRecord, to sink: any ByteSink, format: ExportFormat, rowSizes: RowsSizes?,
                scratch: URL) throws -> [String] {
        guard copy.baseArchiveID != nil else {
            return try CopyReader(home: home).read(copy) { plaintext in
                try TarExporter.export(from: plaintext, to: sink, format: format, rowSizes: rowSizes)
            }
        }
        let restore = RestoreJob(home: home)
        let staging = try restore.makeStaging(in: scratch)
        defer { try? FileManager.default.removeItem(at: staging) }
        let tree = staging.appendingPathComponent("tree")
        guard mkdir(tree.path, 0o700) == 0 else { throw JobError.failed("cannot create a staging folder in \(staging.path)") }
        let report = try CopyChain(home: home).unpack(copy, into: tree) { try restore.makeStaging(in: scratch) }
        let packed = staging.appendingPathComponent("stream")
        guard FileManager.default.createFile(atPath: packed.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw JobError.failed("cannot create a temporary file in \(staging.path)")
        }
        let output = try FileHandle(forWritingTo: packed)
        _ = try TarPacker.pack(folder: tree, into: HandleStream(output))
        try output.close()
        let input = try FileHandle(forReadingFrom: packed)
        defer { try? input.close() }
        _ = try TarExporter.export(from: HandleStream(input), to: sink, format: format)
        return report.unreadable
    }
}

/// A file handle as a byte sink or source (the export's temporary stream).
final class HandleStream: ByteSink, ByteSource {
    let handle: FileHandle

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ bytes: UnsafeRawBufferPointer) throws { try handle.write(contentsOf: Data(bytes)) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let data = try handle.read(upToCount: buffer.count) ?? Data()
        data.copyBytes(to: buffer)
        return data.count
    }
}
