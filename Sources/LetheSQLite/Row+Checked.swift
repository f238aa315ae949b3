import Foundation
import GRDB

/// Reading a row without trapping: a missing column, a value of another type, or one that is not
/// what Lethe writes there throws `SQLiteFileError.invalidValue`, naming the table and column
/// (never the value, which may be a wrapped key or a lookup hash).
///
/// GRDB's `row["column"]` subscript traps on all three (a `try!` inside); Lethe's stores read
/// rows only through these.
extension Row {
    /// The value of `column`, of type `T` (an optional type accepts NULL).
    ///
    /// - Parameters:
    ///   - column: the column's name.
    ///   - what: the table, for the message ("ledger" gives "ledger.hash holds a value …").
    /// - Throws: `SQLiteFileError.invalidValue` if the column is missing or holds another type.
    public func value<T: DatabaseValueConvertible>(_ column: String, in what: String, as type: T.Type = T.self) throws -> T {
        guard hasColumn(column) else { throw SQLiteFileError.invalidValue("\(what).\(column) (missing)") }
        do {
            return try decode(T.self, forColumn: column)
        } catch {
            throw SQLiteFileError.invalidValue("\(what).\(column)")
        }
    }

    /// The value of `column` made into a domain value by `make` (a raw-value enum, a count that
    /// must not be negative), which returns nil for a value Lethe never writes.
    ///
    /// - Throws: `SQLiteFileError.invalidValue` if the column is missing, holds another type,
    ///   or `make` refuses its value.
    public func value<Raw: DatabaseValueConvertible, T>(_ column: String, in what: String, _ make: (Raw) -> T?) throws -> T {
        guard let value = make(try value(column, in: what, as: Raw.self)) else {
            throw SQLiteFileError.invalidValue("\(what).\(column)")
        }
        return value
    }

    /// The instant stored in `column` as whole seconds since 1970 (see `StoredDate`).
    ///
    /// - Throws: `SQLiteFileError.invalidValue` if the column is missing, not an integer, or out of range.
    public func date(_ column: String, in what: String) throws -> Date {
        try StoredDate.date(fromSeconds: try value(column, in: what, as: Int64.self), "\(what).\(column)")
    }

    /// The value at `index` of a row selected with an explicit column list, of type `T`: the fast
    /// path for cursors over many rows (no lookup by name).
    ///
    /// - Parameters:
    ///   - index: the column's position in the `SELECT` list.
    ///   - column: its name, for the message.
    ///   - what: the table, for the message.
    /// - Throws: `SQLiteFileError.invalidValue` if the row is narrower, or the value is NULL
    ///   where `T` is not optional.
    @inlinable
    public func value<T: DatabaseValueConvertible & StatementColumnConvertible>(at index: Int, _ column: String, in what: String,
                                                                                 as type: T.Type = T.self) throws -> T {
        guard index >= 0, index < count else { throw SQLiteFileError.invalidValue("\(what).\(column) (missing)") }
        do {
            return try decode(T.self, atIndex: index)
        } catch {
            throw SQLiteFileError.invalidValue("\(what).\(column)")
        }
    }
}

extension Database {
    /// Throws `SQLiteFileError.noTables` if the file holds no tables at all: for a file that
    /// must already exist, checked before anything (a migration) would write into it.
    public func requireTables() throws {
        guard try Bool.fetchOne(self, sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1") ?? false else {
            throw SQLiteFileError.noTables
        }
    }
}

/// The one rule for instants the catalog and the key store keep: whole seconds since
/// 1970-01-01T00:00:00Z in the years 1 to 9999, as every date Lethe writes is (the archive
/// format's rule too). A value outside is damage, refused before any arithmetic or formatting
/// can overflow on it.
public enum StoredDate {
    /// Seconds since 1970 of 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59Z.
    public static let secondsRange: ClosedRange<Int64> = -62_135_596_800 ... 253_402_300_799

    /// The instant `seconds` after 1970.
    ///
    /// - Parameter what: the table and column, for the message (built only when it is needed:
    ///   readers of millions of rows name the row in it).
    /// - Throws: `SQLiteFileError.invalidValue` if `seconds` is outside `secondsRange`.
    public static func date(fromSeconds seconds: Int64, _ what: @autoclosure () -> String) throws -> Date {
        guard secondsRange.contains(seconds) else { throw SQLiteFileError.invalidValue(what()) }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
