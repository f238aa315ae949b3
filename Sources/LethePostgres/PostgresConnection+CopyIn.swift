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
        let copy = try PostgresCopyIn(sql, on: self)
        do {
            try produce { try copy.push($0) }
        } catch {
            copy.abandon()  // nothing when the server ended it: its error is the one thrown
            throw error
        }
        return try copy.finish()
    }

    /// Reads and discards the output of a `COPY … TO STDOUT` started by mistake.
    func drainCopyOut() {
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            if let buffer { PQfreemem(buffer) }
            buffer = nil
        }
    }
}
