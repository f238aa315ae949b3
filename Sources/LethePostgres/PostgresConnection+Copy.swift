import Foundation
internal import CPostgres

extension PostgresConnection {
    /// Runs a `COPY … TO STDOUT` statement and hands its output to `consume` chunk by chunk, as
    /// the server sends it (libpq's `PQgetCopyData`: one row per chunk in the text and CSV
    /// formats), so memory stays flat whatever the table's size. The bytes are exactly
    /// PostgreSQL's: nothing is decoded or re-encoded.
    ///
    /// A COPY cannot take parameters: place values with ``escapeLiteral(_:)``.
    ///
    /// - Parameter consume: takes each chunk; the buffer is valid only during the call. If it
    ///   throws, the COPY is cancelled on the server, the connection drained (usable again), and
    ///   its error rethrown.
    /// - Returns: the number of chunks (rows, for text and CSV without a header).
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` when the statement is refused,
    ///   is not a `COPY … TO STDOUT`, or fails part-way (the chunks already handed over are then
    ///   not a whole table); ``PostgresError/connectionLost(server:message:)``.
    @discardableResult
    public func copyOut(_ sql: String, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard let start = PQexec(handle, sql) else { throw lost() }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_OUT else {
            defer { PQclear(start) }
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR { throw failure(start) }
            // A COPY FROM STDIN waits for input: end it (nothing copied), or libpq hands the
            // same COPY_IN result back forever.
            if status == PGRES_COPY_IN { _ = PQputCopyEnd(handle, "not a COPY … TO STDOUT statement") }
            drainResults()
            throw PostgresError.queryFailed(sqlState: "42601", message: "not a COPY … TO STDOUT statement")
        }
        PQclear(start)
        var chunks = 0
        var consumerError: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                guard consumerError == nil else { continue }  // draining after a cancel
                chunks += 1
                do {
                    try consume(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                } catch {
                    consumerError = error
                    cancel()
                }
                continue
            }
            if length == -2 { throw lost() }
            break  // -1: the COPY is done; its outcome is the next result
        }
        let outcome = finish()
        if let consumerError { throw consumerError }
        if let outcome { throw outcome }
        return chunks
    }

    /// Asks the server to stop the running statement (libpq's `PQcancel`); best effort.
    func cancel() {
        guard let cancel = PQgetCancel(handle) else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
        PQfreeCancel(cancel)
    }

    /// Reads the results that end a statement; returns the first failure among them, if any.
    func finish() -> PostgresError? {
        var outcome: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if outcome == nil, status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK {
                outcome = PQstatus(handle) == CONNECTION_OK ? failure(result) : lost()
            }
            PQclear(result)
        }
        return outcome
    }

    /// Discards the results still pending.
    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}
