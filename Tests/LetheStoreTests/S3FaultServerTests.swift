import Foundation
import LetheCore
import LetheS3
import LetheTestSupport
import Testing

/// A tiny fake S3 on loopback (Python's http.server) that misbehaves on purpose: throttles,
/// cuts bodies short, flips bytes, refuses, keeps less than it acknowledged or acknowledges a
/// checksum other than the one sent. moto cannot be made to do these.
final class FakeS3Server {
    private let server: LoopbackPythonServer
    var endpoint: URL { server.endpoint }

    static let script = #"""
import base64, hashlib, os, signal, sys, threading
# Children of the test process inherit its blocked signals: unblock SIGTERM so stop() works,
# and exit when the test process goes away (stdin closes) so no server outlives it.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
counts = {}
uploads = {}  # key name -> the body a PUT sent
def digest(b): return base64.b64encode(hashlib.sha256(b).digest()).decode()
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def send(self, status, headers, body=b""):
        self.send_response(status)
        headers.setdefault("Content-Length", str(len(body)))
        for k, v in headers.items(): self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
        if name == "forbidden":
            return self.send(403, {}, b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
        if name.startswith("put-"):
            return self.upload(name)
        if name == "flaky" and counts[name] <= 2:
            return self.send(503, {}, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
        stored = {"flaky": b"data", "short": b"0123456789", "corrupt": b"data"}.get(name)
        served = {"short": b"01234", "corrupt": b"dbta"}.get(name, stored)
        if stored is None:
            return self.send(404, {}, b"<Error><Code>NoSuchKey</Code><Message>none</Message></Error>")
        if self.command == "HEAD":
            return self.send(200, {"Content-Length": str(len(stored)), "ETag": '"e"', "x-amz-checksum-sha256": digest(stored)})
        return self.send(206, {"Content-Range": "bytes 0-%d/%d" % (len(stored) - 1, len(stored))}, served)
    def upload(self, name):
        # put-lossy keeps one byte less than it was sent; put-misreported acknowledges a checksum
        # of other bytes. Both answer the PUT with 200, as a faulty store would.
        if self.command == "PUT":
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            uploads[name] = body[:-1] if name == "put-lossy" else body
            sent = self.headers.get("x-amz-checksum-sha256", "")
            return self.send(200, {"ETag": '"e"', "x-amz-checksum-sha256": digest(b"other") if name == "put-misreported" else sent})
        if self.command == "DELETE":
            uploads.pop(name, None)
            return self.send(204, {})
        if name not in uploads:
            return self.send(404, {}, b"<Error><Code>NoSuchKey</Code><Message>none</Message></Error>")
        return self.send(200, {"Content-Length": str(len(uploads[name])), "ETag": '"e"'})
    do_GET = do_HEAD = do_PUT = do_DELETE = do_POST = handle_any
server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#

    init() throws { server = try LoopbackPythonServer(script: Self.script) }

    /// Stops the server.
    func stop() { server.stop() }
}

@Suite(.serialized) struct S3FaultServerTests {
    private func store(_ server: FakeS3Server, sleeps: Counter) throws -> S3ObjectStore {
        let policy = S3RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.001) { _ in sleeps.increment() }
        return S3ObjectStore(configuration: try S3TestServer.configuration(endpoint: server.endpoint, retry: policy))
    }

    @Test func throttlingIsRetriedThenSucceeds() throws {
        let server = try FakeS3Server()
        defer { server.stop() }
        let sleeps = Counter()
        #expect(try read(try store(server, sleeps: sleeps), key("flaky")) == Array("data".utf8))
        #expect(sleeps.value == 2)
    }

    @Test func refusalIsNotRetried() throws {
        let server = try FakeS3Server()
        defer { server.stop() }
        let sleeps = Counter()
        #expect { try read(try store(server, sleeps: sleeps), key("forbidden")) } throws: { error in
            guard case .accessDenied = error as? ObjectStoreError else { return false }
            return true
        }
        #expect(sleeps.value == 0)
    }

    @Test func shortBodyIsDetected() throws {
        let server = try FakeS3Server()
        defer { server.stop() }
        #expect(throws: ObjectStoreError.checksumMismatch(key("short"))) { try read(try store(server, sleeps: Counter()), key("short")) }
    }

    @Test func corruptedBodyIsDetectedByItsSHA256() throws {
        let server = try FakeS3Server()
        defer { server.stop() }
        #expect(throws: ObjectStoreError.checksumMismatch(key("corrupt"))) { try read(try store(server, sleeps: Counter()), key("corrupt")) }
    }

    @Test(arguments: ["put-lossy", "put-misreported"])
    func anUploadTheStoreDidNotKeepWholeIsRefusedAndRemoved(_ name: String) throws {
        let server = try FakeS3Server()
        defer { server.stop() }
        let store = try store(server, sleeps: Counter())
        #expect(throws: ObjectStoreError.checksumMismatch(key(name))) {
            _ = try store.put(key(name), lockUntil: nil) { try $0.write(Array("twelve bytes".utf8)) }
        }
        #expect(try store.head(key(name)) == nil)
    }
}
