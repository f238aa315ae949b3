import Foundation
internal import CPostgres

/// A `COPY … FROM STDIN` in progress on a connection: the caller pushes the input chunk by chunk
/// as it comes (libpq's `PQputCopyData`), then finishes it (`PQputCopyEnd`) or abandons it, so
/// memory stays flat whatever the input's size and the input may arrive from callbacks. The
/// bytes reach the server as they are: nothing is decoded or re-encoded.
///
/// Released unfinished, the COPY is abandoned (nothing of it kept). The connection is the COPY's
/// until it is finished or abandoned; both leave it usable.
public final class PostgresCopyIn {
    private let connection: PostgresConnection
    /// True once the COPY is over: finished, abandoned, or ended by the server.
    private var over = false

    /// Starts `sql`, a `COPY … FROM STDIN` statement.
    ///
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` when the statement is refused
    ///   or is not a `COPY … FROM STDIN`; ``PostgresError/connectionLost(server:message:)``.
    public init(_ sql: String, on connection: PostgresConnection) throws {
        self.connection = connection
        let handle = connection.handle
        guard let start = PQexec(handle, sql) else { throw connection.lost() }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            over = true
            defer { PQclear(start) }
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR { throw connection.failure(start) }
            if status == PGRES_COPY_OUT { connection.drainCopyOut() }
            connection.drainResults()
            throw PostgresError.queryFailed(sqlState: "42601", message: "not a COPY … FROM STDIN statement")
        }
        PQclear(start)
    }

    deinit { abandon() }

    /// Sends one chunk; chunks may split rows, lines and characters anywhere, and the buffer is
    /// copied before this returns.
    ///
    /// - Throws: the server's error when it has ended the COPY (a refused row: nothing of it is
    ///   kept; inside a transaction, the transaction is aborted), or
    ///   ``PostgresError/connectionLost(server:message:)``. The COPY is then over.
    public func push(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!over, "PostgresCopyIn.push after the COPY ended")
        var offset = 0
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 20)
            let sent = PQputCopyData(connection.handle, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length))
            guard sent == 1 else {
                over = true
                throw connection.finish() ?? connection.lost()
            }
            offset += length
        }
    }

    /// Ends the input and waits for the server's verdict.
    ///
    /// - Returns: the number of rows the server copied.
    /// - Throws: the server's error for a refused row (nothing of the COPY kept), or
    ///   ``PostgresError/connectionLost(server:message:)``.
    @discardableResult
    public func finish() throws -> Int {
        precondition(!over, "PostgresCopyIn.finish after the COPY ended")
        over = true
        let handle = connection.handle
        guard PQputCopyEnd(handle, nil) == 1 else { throw connection.finish() ?? connection.lost() }
        guard let result = PQgetResult(handle) else { throw connection.lost() }
        let rows: Int? = PQresultStatus(result) == PGRES_COMMAND_OK ? Int(String(cString: PQcmdTuples(result))) ?? 0 : nil
        let refusal = rows == nil ? (PQstatus(handle) == CONNECTION_OK ? connection.failure(result) : connection.lost()) : nil
        PQclear(result)
        connection.drainResults()
        if let refusal { throw refusal }
        return rows ?? 0
    }

    /// Abandons the COPY: the server keeps nothing of it (its "COPY from stdin failed" is
    /// discarded: the caller knows why it stopped). Does nothing once the COPY is over.
    public func abandon() {
        guard !over else { return }
        over = true
        _ = PQputCopyEnd(connection.handle, "the client stopped sending")
        _ = connection.finish()
    }
}
