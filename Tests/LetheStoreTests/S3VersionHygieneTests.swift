import Foundation
import LetheCore
@testable import LetheS3
import LetheTestSupport
import Testing

/// S3 leaves nothing behind: one version per upload even when the connection drops after the
/// server stored it, and multipart uploads abandoned for a day (by the server's clock) aborted.
/// Against the fake versioned server (which can drop a stored PUT's answer and set its clock),
/// and moto where it can play the part.
@Suite(.serialized) struct S3VersionHygieneTests {
    private func store(_ server: FakeVersionedS3Server) throws -> S3ObjectStore {
        // Attempts to spare: on a busy machine a time-out is one more (harmless) retry.
        let policy = S3RetryPolicy(maxAttempts: 6, baseDelay: 0, maxDelay: 0) { _ in }
        var configuration = try S3TestServer.configuration(endpoint: server.endpoint, retry: policy)
        // URLSession (libcurl) itself resends a request whose reused connection dropped, without
        // its body: that resend hangs until this time-out, then our own retry goes out.
        configuration.requestTimeout = 3
        return S3ObjectStore(configuration: configuration)
    }

    /// The server stores the first PUT, then drops the connection before answering; the client
    /// retries. A server that honours `If-None-Match: *` refuses the retry (the first attempt is
    /// adopted, locked or not); one that ignores it stores a second version, which is removed.
    /// Either way exactly one version remains and `put` names it.
    @Test(arguments: [(ignoresConditionalPuts: false, locked: true), (ignoresConditionalPuts: false, locked: false),
                      (ignoresConditionalPuts: true, locked: false)])
    func aPutStoredBeforeTheConnectionDroppedLeavesExactlyOneVersion(_ setup: (ignoresConditionalPuts: Bool, locked: Bool)) throws {
        let server = try FakeVersionedS3Server()
        defer { server.stop() }
        try server.ignoreIfNoneMatch(setup.ignoresConditionalPuts)
        try server.resetNextPuts(1)
        let store = try store(server)
        let body = Array("stored, then the answer was lost".utf8)
        let lock = setup.locked ? Date().addingTimeInterval(86_400) : nil
        let stored = try store.put(key("archives/p/s/a.lethe"), lockUntil: lock) { try $0.write(body) }
        let versions = try store.listVersions(prefix: "archives/p/s/a.lethe")
        #expect(versions.map(\.versionID) == [stored.versionID], "a retried PUT left \(versions.count) versions")
        #expect(try read(store, key("archives/p/s/a.lethe")) == body)
        #expect(try server.storedPuts() == (setup.ignoresConditionalPuts ? 2 : 1))
        if setup.locked { #expect(stored.lockedUntil != nil) }
    }

    /// A replacement that was not retried keeps the bucket's history: only a retry's duplicates are removed.
    @Test func anUnretriedPutReplacesAsBefore() throws {
        let server = try FakeVersionedS3Server()
        defer { server.stop() }
        let store = try store(server)
        try put(store, key("k/x"), [1])
        let second = try put(store, key("k/x"), [2, 2])
        let versions = try store.versions(of: key("k/x"))
        #expect(versions.count == 2 && versions.first?.versionID == second.versionID)
        #expect(try read(store, key("k/x")) == [2, 2])
    }

    /// Uploads under the prefix begun more than a day ago by the server's clock are aborted;
    /// younger ones, and those outside the prefix, are left alone. The local clock plays no part:
    /// the server's runs 22 hours ahead of it here.
    @Test func abandonedMultipartUploadsAreAbortedOnceADayOldByTheServersClock() throws {
        let server = try FakeVersionedS3Server()
        defer { server.stop() }
        let store = try store(server)
        try server.plantUpload(key: "archives/p/s/old.lethe", age: 90_000)
        try server.plantUpload(key: "archives/p/s/young.lethe", age: 3_600)
        try server.plantUpload(key: "elsewhere/old", age: 90_000)

        try server.setClock(offset: 79_200)  // young: 23 h old by the server's clock
        let first = try store.removeAbandoned(prefix: "archives/", olderThan: 86_400)
        #expect(first.map(\.name) == ["archives/p/s/old.lethe"])
        #expect(try store.listMultipartUploads(prefix: "").map(\.key).sorted() == ["archives/p/s/young.lethe", "elsewhere/old"])
        #expect(try store.listMultipartUploads(prefix: "archives/").allSatisfy { $0.initiated != nil })

        try server.setClock(offset: 86_400)  // young: 25 h old
        let second = try store.removeAbandoned(prefix: "archives/", olderThan: 86_400)
        #expect(second.map(\.name) == ["archives/p/s/young.lethe"])
        #expect(try store.listMultipartUploads(prefix: "").map(\.key) == ["elsewhere/old"])
    }

    /// moto: an upload begun and never completed is listed with its start and aborted. (moto
    /// reports every upload as begun in 2010, so only the "old" half can be seen there.)
    @Test func abandonedMultipartUploadIsAbortedOnMoto() throws {
        guard S3TestServer.configured else { try Test.cancel(S3TestServer.skipMessage) }
        let store = try S3TestServer.makeStore()
        let upload = S3Upload(store: store, key: key("archives/p/s/killed.lethe"), extraHeaders: [:])
        try upload.write(patternBytes(6 << 20))  // begins the multipart upload and sends a part; never finished
        #expect(try store.listMultipartUploads(prefix: "archives/").map(\.key) == ["archives/p/s/killed.lethe"])
        let aborted = try store.removeAbandoned(prefix: "archives/", olderThan: 86_400)
        #expect(aborted.map(\.name) == ["archives/p/s/killed.lethe"])
        #expect(try store.listMultipartUploads(prefix: "").isEmpty)
    }

    /// moto honours `If-None-Match: *`: a conditional PUT onto an existing key is refused (412),
    /// which is what makes a retried PUT safe there.
    @Test func motoRefusesAConditionalPutOntoAnExistingKey() throws {
        guard S3TestServer.configured else { try Test.cancel(S3TestServer.skipMessage) }
        let store = try S3TestServer.makeStore()
        try put(store, key("c/x"), [1])
        var request = S3Request(method: "PUT", key: "c/x", headers: ["If-None-Match": "*", "x-amz-checksum-sha256": Data(S3Connection.sha256(Data([2]))).base64EncodedString()], body: Data([2]))
        request.bodySHA256 = S3Connection.sha256(Data([2]))
        let response = try store.connection.send(request)
        #expect(response.status == 412)
        #expect(try store.listVersions(prefix: "c/x").count == 1)
    }
}
