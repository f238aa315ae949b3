import Foundation
internal import CPostgres

extension PostgresConnection {
    /// What ``copyIn(_:_:)`` hands its producer: call it with each chunk of the input, in order.
    /// Chunks may split rows, lines and characters anywhere; the buffer is copied before it returns.
    public typealias CopyPush = (UnsafeRawBufferPointer) throws -> Void

    /// Runs a `COPY … FROM STDIN` statement and sends it what `produce` pushes, chunk by chunk
    /// (libpq's `PQputCopyData`, then `PQputCopyEnd`), so memory stays flat whatever the input's
    /// size. The bytes reach the server as they are: nothing is decoded or re-encoded.
    ///
    /// A COPY cannot take parameters: place values with ``escapeLiteral(_:)`` and names with
    /// ``escapeIdentifier(_:)``.
    ///
    /// - Parameter produce: pushes the input; returns when it is all pushed. If it throws, the
    ///   COPY is abandoned on the server (nothing of it is kept), the connection is left usable,
    ///   and its error rethrown. A push throws once the server has ended the COPY (a refused
    ///   row): the producer should let that error through; the server's error is what this
    ///   function then throws.
    /// - Returns: the number of rows the server copied.
    /// - Throws: ``PostgresError/queryFailed(sqlState:message:)`` when the statement is refused,
    ///   is not a `COPY … FROM STDIN`, or a row is refused (nothing of the COPY is then kept, and
    ///   the connection stays usable; inside a transaction, the transaction is aborted);
    ///   ``PostgresError/connectionLost(server:message:)``.
    @discardableResult
    public func copyIn(_ sql: String, _ produce: (_ push: CopyPush) throws -> Void) throws -> Int {
        guard let start = PQexec(handle, sql) else { throw lost() }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR { throw failure(start) }
            if status == PGRES_COPY_OUT { drainCopyOut() }
            drainResults()
            throw PostgresError.queryFailed(sqlState: "42601", message: "not a COPY … FROM STDIN statement")
        }
        PQclear(start)
        var ended = false  // the server ended the COPY early (a refused row) or the connection broke
        var producerError: (any Error)?
        do {
            try produce { bytes in
                guard !ended else { throw CopyEnded() }
                var offset = 0
                while offset < bytes.count {
                    let length = min(bytes.count - offset, 1 << 20)
                    let sent = PQputCopyData(handle, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(length))
                    guard sent == 1 else { ended = true; throw CopyEnded() }
                    offset += length
                }
            }
        } catch {
            producerError = error
        }
        if ended { throw finish() ?? lost() }
        if let producerError {
            _ = PQputCopyEnd(handle, "the client stopped sending")
            _ = finish()  // the server's "COPY from stdin failed": the producer's error says why
            throw producerError
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw finish() ?? lost() }
        guard let result = PQgetResult(handle) else { throw lost() }
        let rows: Int? = PQresultStatus(result) == PGRES_COMMAND_OK ? Int(String(cString: PQcmdTuples(result))) ?? 0 : nil
        let refusal = rows == nil ? (PQstatus(handle) == CONNECTION_OK ? failure(result) : lost()) : nil
        PQclear(result)
        drainResults()
        if let refusal { throw refusal }
        return rows ?? 0
    }

    /// Reads and discards the output of a `COPY … TO STDOUT` started by mistake.
    private func drainCopyOut() {
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            if let buffer { PQfreemem(buffer) }
            buffer = nil
        }
    }
}

/// Thrown by a push once the server has ended the COPY; ``PostgresConnection/copyIn(_:_:)``
/// replaces it with the server's error.
private struct CopyEnded: Error {}
