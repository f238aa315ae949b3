import Foundation
import LetheCatalog
import LetheCore
import LetheCrypto
import LetheFormat
import LetheJobs
import LetheKeys
import LethePolicy
import LethePostgres
import LetheS3
import LetheSQLite
import LetheTar
import Testing

/// Every case of every error enum keeps the failure class (and so the exit status) the command
/// line gave it before the classes moved to the errors themselves: one row per case.
@Suite struct FailureClassTests {
    static let date = Date(timeIntervalSince1970: 1_790_000_000)
    static let damage = SQLiteDamage(file: URL(fileURLWithPath: "/nonexistent/lethe-test.sqlite"), detail: "test")

    /// Checks each row: the error's class is the one given.
    private func check(_ rows: [(any ClassifiedError, FailureClass)], sourceLocation: SourceLocation = #_sourceLocation) {
        for (error, expected) in rows {
            #expect(error.failureClass == expected, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func jobError() {
        check([
            (JobError.homeMissing("h"), .failed), (JobError.homeExists("h"), .failed),
            (JobError.invalidConfiguration("x"), .usage), (JobError.unknownCustomer, .notFound),
            (JobError.notFound("x"), .notFound), (JobError.neverBackedUp(positions: [0], of: 1, twins: []), .notFound),
            (JobError.busy("run"), .busy), (JobError.customerShredded(on: Self.date, request: "R"), .shredded),
            (JobError.integrity("x"), .integrity), (JobError.targetNotEmpty("t"), .failed),
            (JobError.outputExists("o"), .failed), (JobError.keysNotReady("x"), .failed),
            (JobError.clockWentBack(now: Self.date, last: Self.date), .failed), (JobError.failed("x"), .failed),
            (JobError.invalidEscrow("x"), .usage), (JobError.invalidRequest("x"), .usage),
        ])
    }

    @Test func keyStoreError() {
        check([
            (KeyStoreError.storeUnavailable("k", reason: "r"), .failed), (KeyStoreError.storeDamaged(Self.damage), .integrity),
            (KeyStoreError.storeBusy("k"), .busy), (KeyStoreError.keyDirectoryUnavailable("d", reason: "r"), .failed),
            (KeyStoreError.kekMissing(epoch: 1, directory: "d"), .failed), (KeyStoreError.kekCorrupt(epoch: 1, directory: "d"), .failed),
            (KeyStoreError.kekUnavailable(epoch: 1, problems: [("d", .missing)]), .failed),
            (KeyStoreError.unknownCustomer, .notFound), (KeyStoreError.customerShredded(on: Self.date, request: "R"), .shredded),
            (KeyStoreError.unknownPseudonym(Pseudonym("p")), .failed), (KeyStoreError.expiryKeyDestroyed(deleteBy: Self.date), .failed),
            (KeyStoreError.unknownExpiryKey(deleteBy: Self.date), .integrity), (KeyStoreError.unwrapFailed("x"), .integrity),
            (KeyStoreError.rotationIncomplete("x"), .failed), (KeyStoreError.escrowStale(escrowed: 1, current: 2), .failed),
            (KeyStoreError.escrowMismatch(epoch: 1), .failed),
            (KeyStoreError.olderThanWitnessed(what: "w", epoch: 1, witnessed: 2, folder: "f"), .integrity),
            (KeyStoreError.escrowDirectoryUnavailable("d", reason: "r"), .failed),
            (KeyStoreError.sealedEscrowInvalid("f", reason: "r"), .integrity), (KeyStoreError.noWitness(epoch: 1), .integrity),
            (KeyStoreError.acceptedEpochMismatch(accepted: 1, escrowed: 2), .integrity),
        ])
    }

    @Test func catalogError() {
        check([
            (CatalogError.unavailable("c", reason: "r"), .failed), (CatalogError.damaged(Self.damage), .integrity),
            (CatalogError.busy("c"), .busy), (CatalogError.unknownSet(SetID("s")), .notFound), (CatalogError.noCopy("x"), .notFound),
            (CatalogError.invalidEvent(sequence: 7, kind: "copy.written", problem: "p"), .integrity),
        ])
    }

    @Test func objectStoreError() {
        let key = ObjectKey("a/b")!
        check([
            (ObjectStoreError.notFound(key), .notFound), (ObjectStoreError.objectLocked(key, until: nil), .failed),
            (ObjectStoreError.unavailable("x"), .failed), (ObjectStoreError.accessDenied("x"), .failed),
            (ObjectStoreError.lockUnsupported, .failed), (ObjectStoreError.checksumMismatch(key), .integrity),
            (ObjectStoreError.failed("x"), .failed),
        ])
    }

    @Test func formatError() {
        let rows: [(FormatError, FailureClass)] = [
            (.notAnArchive, .integrity), (.unsupportedVersion(9), .failed), (.malformedHeader("x"), .integrity),
            (.keyMismatch(which: "w", expected: "e", actual: "a"), .failed), (.headerAuthenticationFailed, .integrity),
            (.chunkAuthenticationFailed(index: 0), .integrity), (.truncated(afterChunks: 0), .integrity),
            (.trailingData, .integrity), (.mismatch(field: "f"), .failed), (.writerClosed, .failed),
        ]
        check(rows)
        for (error, expected) in rows { #expect(error.isIntegrityFailure == (expected == .integrity), "\(error)") }
    }

    @Test func tarError() {
        check([
            (TarError.unsafePath(kind: "k", problem: .dotDot), .integrity), (TarError.unsupportedEntry(kind: "k"), .integrity),
            (TarError.duplicatePath(kind: "k"), .integrity), (TarError.symlinkEscapes, .integrity),
            (TarError.writesThroughSymlink(kind: "k"), .integrity), (TarError.manifestMissing, .integrity),
            (TarError.manifestMismatch("x"), .integrity), (TarError.unreadable("x", path: []), .failed),
            (TarError.fileChanged(path: []), .failed), (TarError.noSpace, .failed), (TarError.libarchive("x"), .failed),
        ])
    }

    @Test func cryptoError() {
        check([
            (CryptoError.authenticationFailed(what: "w"), .integrity), (CryptoError.invalidKeyLength(3), .integrity),
            (CryptoError.invalidLength(what: "w", expected: 1, actual: 2), .integrity), (CryptoError.streamFinished, .failed),
            (CryptoError.sodiumFailed("x"), .failed), (CryptoError.keyFileUnreadable("f", reason: "r"), .failed),
            (CryptoError.invalidRecoveryKey("x"), .usage),
        ])
    }

    @Test func postgresError() {
        check([
            (PostgresError.invalidURL("x"), .usage), (PostgresError.passwordInURL, .usage),
            (PostgresError.passwordFileUnreadable(path: "p", reason: "r"), .usage),
            (PostgresError.unreachable(server: "s", message: "m"), .failed), (PostgresError.passwordMissing(server: "s"), .failed),
            (PostgresError.authenticationFailed(server: "s", message: "m"), .failed),
            (PostgresError.connectionRefused(server: "s", message: "m"), .failed),
            (PostgresError.queryFailed(sqlState: "42P01", message: "m"), .failed), (PostgresError.connectionLost(server: "s", message: "m"), .failed),
            (PostgresError.rowsTableUnknown(table: "t", available: ["a"]), .usage),
            (PostgresError.rowsTableMissing(table: "t", server: "s"), .failed),
            (PostgresError.rowsColumnMissing(table: "t", column: "c", server: "s"), .failed),
            (PostgresError.rowsExist(tables: ["t"], rows: 1, server: "s"), .failed), (PostgresError.rowsOutOfContract("r"), .failed),
        ])
    }

    /// The errors the command line reported with one class for the whole type.
    @Test func wholeTypes() {
        let problem = PolicyProblem(kind: .badDuration, file: "p.yaml", line: 1, message: "m", fix: "f")
        check([
            (PolicyError.unreadable(file: "p", reason: "r"), .usage), (PolicyError.invalid([problem]), .usage),
            (ClockError.invalidOverride("x"), .usage),
            (DurableFileError(operation: .write, path: "p", code: ENOSPC), .failed),
            (DurableFileError(operation: .link, path: "p", code: EEXIST), .failed),
        ])
    }

    /// Never met by the command line (the jobs and stores wrap them), classified as it reported
    /// them before: failed.
    @Test func wrappedBeforeTheyReachTheCommandLine() {
        check([
            (S3Error.credentialsMissing("x"), .failed), (S3Error.credentialsFileUnreadable(path: "p", reason: "r"), .failed),
            (S3Error.profileIncomplete(profile: "p", path: "f"), .failed), (S3Error.invalidConfiguration("x"), .failed),
            (S3Error.insecureEndpoint("x"), .failed),
            (SQLiteFileError.invalidValue("x"), .failed), (SQLiteFileError.noTables, .failed),
        ])
    }
}
