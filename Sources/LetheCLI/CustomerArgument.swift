import ArgumentParser
import Foundation
import LetheCore

/// Turns `--customer` values into customer ids.
///
/// An id is the customer folder's exact bytes, which may not be UTF-8 (and a command line
/// reaches Swift as text, with invalid bytes replaced). So the value `-` means: read the id's
/// raw bytes from standard input, stripping one trailing newline (`printf 'caf\351' | lethe
/// restore --customer - …`, or `ls | head -1 | …`). Any other value is taken as its UTF-8
/// bytes, without Unicode normalisation. Standard input is read once, so at most one value
/// may be `-`.
enum CustomerArgument {
    /// The value that reads the id from standard input.
    static let standardInput = "-"
    /// More than any folder name (255 bytes on Linux): input beyond this is refused, not read.
    static let maximumInput = 4096

    /// The ids named by `values`, in order.
    ///
    /// - Throws: `ValidationError` for a value that cannot be a folder name, more than one `-`,
    ///   or standard input too long to be an id.
    static func ids(_ values: [String]) throws -> [CustomerID] {
        guard values.filter({ $0 == standardInput }).count <= 1 else {
            throw ValidationError("'--customer -' reads standard input, which holds one id: give it once")
        }
        return try values.map(id)
    }

    /// The id named by one value.
    static func id(_ value: String) throws -> CustomerID {
        let bytes = value == standardInput ? try readStandardInput() : Array(value.utf8)
        guard let id = CustomerID(bytes: bytes) else {
            throw ValidationError("'--customer' must be a folder name (not empty, '.', '..', and without '/' or NUL), not a path")
        }
        return id
    }

    /// The ids listed in `path` (`-`: standard input), one per line as raw bytes, with the
    /// line number of each; empty lines are skipped. An id holding a newline cannot be listed:
    /// give it with `--customer -`.
    ///
    /// - Throws: `ValidationError` for an unreadable file, a line that cannot be a folder name
    ///   (by line number, never its content), or a list without any id.
    static func list(from path: String) throws -> [(line: Int, id: CustomerID)] {
        let bytes: [UInt8]
        if path == standardInput {
            bytes = try readStandardInput(limit: Int.max)
        } else {
            do {
                bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw ValidationError("'--customers-from': cannot read \(path) (\((error as NSError).localizedDescription))")
            }
        }
        var ids: [(line: Int, id: CustomerID)] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let id = CustomerID(bytes: Array(line)) else {
                throw ValidationError("'--customers-from': line \(index + 1) is not a folder name ('.', '..', or holds '/' or NUL)")
            }
            ids.append((index + 1, id))
        }
        guard !ids.isEmpty else { throw ValidationError("'--customers-from': the list names no customer (one id per line)") }
        return ids
    }

    /// Standard input's bytes, less one trailing newline.
    ///
    /// - Parameter limit: the most bytes accepted (default: one id's worth).
    static func readStandardInput(limit: Int = maximumInput) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ValidationError("'--customer -': cannot read standard input (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            bytes += buffer[0..<n]
            guard bytes.count - 1 <= limit else {
                throw ValidationError("'--customer -': standard input holds more than \(maximumInput) bytes, too long for a customer id")
            }
        }
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        return bytes
    }
}
