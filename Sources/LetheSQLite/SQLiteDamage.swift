import Foundation
import GRDB

/// Why an SQLite file Lethe keeps (the catalog, the key store) cannot be trusted: what SQLite's
/// `PRAGMA quick_check` says about it, and the failure that led to the check.
///
/// The one place that tells damage from an unlucky moment: a file that is not a database, a
/// malformed page, a schema or a value Lethe never writes are damage; busy, locked, read-only,
/// full or failing disks are not (the file may be fine; the caller reports them as they are).
/// Each store wraps the damage in its own error (`CatalogError.damaged`,
/// `KeyStoreError.storeDamaged`), which the command line reports as an integrity failure.
public struct SQLiteDamage: Sendable, Equatable, CustomStringConvertible {
    /// The damaged file.
    public let file: URL
    /// What `PRAGMA quick_check` reported (its first lines), or why it could not run.
    public let quickCheck: String
    /// The failure that led to the check (an SQLite error, or a value Lethe never writes), or
    /// nil when the check was asked for on its own (`lethe verify`).
    public let detail: String?

    /// Runs `PRAGMA quick_check` on `file` and records it with the failure that led to it.
    ///
    /// - Parameters:
    ///   - file: the SQLite file (closed or open: the check reads it through a connection of its own).
    ///   - detail: what failed: an SQLite error, or which value is not one Lethe writes.
    public init(file: URL, detail: String?) {
        self.init(file: file, quickCheck: Self.quickCheck(file), detail: detail)
    }

    init(file: URL, quickCheck: QuickCheck, detail: String?) {
        self.file = file
        self.quickCheck = quickCheck.description
        self.detail = detail
    }

    /// "FILE is damaged (quick_check: …; what failed)" (what failed only when it says more).
    public var description: String {
        let failure = detail.flatMap { $0 == quickCheck ? nil : "; \($0)" } ?? ""
        return "\(file.path) is damaged (quick_check: \(quickCheck)\(failure))"
    }

    /// The damage of `file` if `PRAGMA quick_check` finds any, or nil when it answers "ok".
    ///
    /// For `lethe verify`: damage in pages no command happened to read shows up here too. A
    /// check that cannot run for a reason that is not the file's (busy, I/O, permissions) is
    /// no evidence of damage: nil, and the reads that follow report that reason themselves.
    public static func check(_ file: URL) -> SQLiteDamage? {
        let answer = quickCheck(file)
        guard case .damaged = answer else { return nil }
        return SQLiteDamage(file: file, quickCheck: answer, detail: nil)
    }

    /// The damage that `error`, thrown while opening or reading `file`, reveals; nil when the
    /// error says nothing about the file's content.
    ///
    /// Damage: SQLite errors other than the environmental ones (busy, locked, out of memory,
    /// read-only, interrupted, I/O, disk full, cannot open, permission, aborted), GRDB's row
    /// decoding errors and `SQLiteFileError` (a value Lethe never writes). A constraint
    /// violation counts only when `quick_check` finds the file damaged too: on a sound file it
    /// is a program error, reported as it is.
    public static func diagnose(_ error: any Error, file: URL) -> SQLiteDamage? {
        switch error {
        case let error as DatabaseError:
            guard !environmentalCodes.contains(error.resultCode) else { return nil }
            let answer = quickCheck(file)
            if error.resultCode == .SQLITE_CONSTRAINT, case .ok = answer { return nil }
            return SQLiteDamage(file: file, quickCheck: answer, detail: describe(error))
        case let error as SQLiteFileError:
            return SQLiteDamage(file: file, detail: error.description)
        case is RowDecodingError:
            // GRDB's text names the row's values (wrapped keys, lookups): never print it.
            return SQLiteDamage(file: file, detail: "a row does not have the columns and types Lethe writes")
        default:
            return nil
        }
    }

    /// How long a connection waits for another to release the file before giving up (seconds).
    public static let busyTimeout: TimeInterval = 30

    /// True when `error` is SQLite's "database is locked" (busy or locked): another connection
    /// held the file for longer than the busy timeout.
    public static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// Primary result codes that describe the moment or the machine, not the file.
    static let environmentalCodes: [ResultCode] = [
        .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM, .SQLITE_READONLY, .SQLITE_INTERRUPT, .SQLITE_IOERR,
        .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_ABORT, .SQLITE_AUTH, .SQLITE_PROTOCOL,
    ]

    /// How many lines of `quick_check`'s answer a message keeps.
    static let reportedLines = 3

    /// What `PRAGMA quick_check` answered.
    enum QuickCheck: CustomStringConvertible {
        /// The file passed.
        case ok
        /// The check's first lines, or the error about the file's content that stopped it.
        case damaged(String)
        /// It could not run, for a reason that is not the file's content (busy, I/O, permissions).
        case notRun(String)

        var description: String {
            switch self {
            case .ok: return "ok"
            case .damaged(let what): return what
            case .notRun(let why): return "could not run: \(why)"
            }
        }
    }

    /// `PRAGMA quick_check` on a read-only connection of its own.
    static func quickCheck(_ file: URL) -> QuickCheck {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: file.path, configuration: configuration)
            let lines = try queue.read { db in
                try String.fetchAll(db, sql: "PRAGMA quick_check(\(reportedLines + 1))")
            }
            if lines == ["ok"] { return .ok }
            guard !lines.isEmpty else { return .damaged("no answer") }
            let shown = lines.prefix(reportedLines).joined(separator: "; ")
            return .damaged(lines.count > reportedLines ? shown + "; …" : shown)
        } catch let error as DatabaseError where environmentalCodes.contains(error.resultCode) {
            return .notRun(describe(error))
        } catch let error as DatabaseError {
            // SQLite stopped the check on the file's content (malformed, not a database).
            return .damaged(describe(error))
        } catch {
            return .notRun("\(error)")
        }
    }

    /// "SQLite error N: message", without GRDB's statement and arguments.
    static func describe(_ error: DatabaseError) -> String {
        "SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "no message")"
    }
}
