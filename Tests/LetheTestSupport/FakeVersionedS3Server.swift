import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LetheCore

/// A small versioned S3 bucket on loopback with object lock, driven by the test: its clock,
/// dropped connections and planted leftovers are set through `/__admin/…` requests.
///
/// It keeps what the offsite paths need (PUT with `If-None-Match: *` and lock headers, HEAD and
/// ranged GET by version, DELETE by version refused while locked, ListObjectsV2,
/// ListObjectVersions, ListMultipartUploads, AbortMultipartUpload) and adds what moto cannot do:
/// - `resetNextPuts(n)`: the next `n` object PUTs are stored, then the connection is dropped
///   before the answer (a client sees a reset and retries);
/// - `ignoreIfNoneMatch(true)`: conditional PUTs are stored anyway, as by a server without
///   conditional writes;
/// - `setClock(offset:)`: the server's clock (its `Date` header, lock checks, upload ages) runs
///   this many seconds from the real one;
/// - `plantUpload(key:age:)`: a multipart upload begun `age` seconds ago by the server's clock;
/// - `plantOrphan(key:until:)`: another version of the key's current object just before it,
///   as the first attempt of a retried PUT leaves on a server without conditional writes.
/// Every bucket name addresses the same objects.
public final class FakeVersionedS3Server: @unchecked Sendable {
    private let server: LoopbackPythonServer
    /// `http://127.0.0.1:PORT`.
    public var endpoint: URL { server.endpoint }

    /// Starts the server.
    public init() throws { server = try LoopbackPythonServer(script: Self.script) }

    /// Stops the server.
    public func stop() { server.stop() }

    /// Sets the server's clock to the real one plus `offset` seconds.
    public func setClock(offset: TimeInterval) throws { try admin("clock", ["offset": String(offset)]) }

    /// Makes the next `count` object PUTs store their body, then drop the connection unanswered.
    public func resetNextPuts(_ count: Int) throws { try admin("reset-puts", ["count": String(count)]) }

    /// Makes the server store conditional PUTs whatever `If-None-Match` says (or honour it again).
    public func ignoreIfNoneMatch(_ on: Bool) throws { try admin("ignore-if-none-match", ["on": on ? "1" : "0"]) }

    /// Plants a multipart upload of `key`, begun `age` seconds ago by the server's clock.
    public func plantUpload(key: String, age: TimeInterval) throws { try admin("upload", ["key": key, "age": String(age)]) }

    /// Adds a copy of `key`'s current version as the version just before it, locked until
    /// `until` (or as the current one is): what the first attempt of a retried PUT leaves.
    public func plantOrphan(key: String, until: Date? = nil) throws {
        var query = ["key": key]
        if let until { query["until"] = Timestamp.iso(until) }
        try admin("orphan", query)
    }

    /// How many object PUTs the server stored.
    public func storedPuts() throws -> Int { Int(String(decoding: try admin("puts", [:]), as: UTF8.self)) ?? -1 }

    @discardableResult
    private func admin(_ what: String, _ query: [String: String]) throws -> Data {
        var components = URLComponents(url: endpoint.appendingPathComponent("__admin/\(what)"), resolvingAgainstBaseURL: false)!
        components.queryItems = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        var request = URLRequest(url: components.url!)
        request.httpMethod = "POST"
        let box = AdminResult()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            box.data = data
            box.status = (response as? HTTPURLResponse)?.statusCode ?? (error == nil ? 0 : -1)
            done.signal()
        }.resume()
        done.wait()
        guard box.status == 200 else { throw ObjectStoreError.failed("the fake S3 server refused /__admin/\(what) (\(box.status))") }
        return box.data ?? Data()
    }
}

private final class AdminResult: @unchecked Sendable {
    var data: Data?
    var status = 0
}

extension FakeVersionedS3Server {
    static let script = #"""
import base64, email.utils, hashlib, os, signal, socket, sys, threading, time, uuid
from urllib.parse import urlsplit, parse_qs, unquote
# Children of the test process inherit its blocked signals: unblock SIGTERM so stop() works,
# and exit when the test process goes away (stdin closes) so no server outlives it.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"offset": 0.0, "reset_puts": 0, "ignore_if_none_match": False, "puts": 0}
objects = {}   # key -> [version dicts], oldest first; {"id", "body", "until", "mode", "sum", "marker", "at"}
uploads = {}   # upload id -> {"key", "at"}

def now(): return time.time() + state["offset"]
def iso(t): return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))
def parse_iso(s):
    import datetime
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
def digest(b): return base64.b64encode(hashlib.sha256(b).digest()).decode()
def esc(s): return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
def error(code, message): return ("<Error><Code>%s</Code><Message>%s</Message></Error>" % (code, message)).encode()
def current(key):
    versions = objects.get(key) or []
    return versions[-1] if versions and not versions[-1]["marker"] else None
def new_version(key, **fields):
    version = {"id": uuid.uuid4().hex, "body": b"", "until": None, "mode": None, "sum": None, "marker": False, "at": now()}
    version.update(fields)
    objects.setdefault(key, []).append(version)
    return version

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def date_time_string(self, timestamp=None): return email.utils.formatdate(now(), usegmt=True)
    def send(self, status, headers=None, body=b"", length=None):
        self.send_response(status)
        headers = dict(headers or {})
        headers["Content-Length"] = str(len(body) if length is None else length)
        for k, v in headers.items(): self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def version_headers(self, key, v):
        h = {"x-amz-version-id": v["id"], "ETag": '"%s"' % hashlib.md5(v["body"]).hexdigest(),
             "Last-Modified": email.utils.formatdate(v["at"], usegmt=True)}
        if v["sum"]: h["x-amz-checksum-sha256"] = v["sum"]
        if v["until"] is not None:
            h["x-amz-object-lock-retain-until-date"] = iso(v["until"])
            h["x-amz-object-lock-mode"] = v["mode"] or "GOVERNANCE"
        return h

    def handle_any(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or "0"))
        parts = url.path.lstrip("/").split("/", 1)
        with lock:
            if parts[0] == "__admin": return self.admin(parts[1], q)
            key = unquote(parts[1]) if len(parts) > 1 and parts[1] else None
            if key is None: return self.bucket(q)
            return self.object(key, q, body)

    def admin(self, what, q):
        if what == "clock": state["offset"] = float(q["offset"])
        elif what == "reset-puts": state["reset_puts"] = int(q["count"])
        elif what == "ignore-if-none-match": state["ignore_if_none_match"] = q["on"] == "1"
        elif what == "upload":
            uploads[uuid.uuid4().hex] = {"key": q["key"], "at": now() - float(q["age"])}
        elif what == "orphan":
            # The first attempt of a retried PUT: a copy of the current version, just below it.
            v = current(q["key"])
            orphan = new_version(q["key"], body=v["body"], sum=v["sum"], mode=v["mode"], at=v["at"],
                                 until=parse_iso(q["until"]) if "until" in q else v["until"])
            versions = objects[q["key"]]
            versions.insert(len(versions) - 2, versions.pop())
        elif what == "puts":
            return self.send(200, {}, str(state["puts"]).encode())
        else: return self.send(404, {}, b"")
        return self.send(200, {}, b"")

    def bucket(self, q):
        if self.command == "PUT": return self.send(200)
        prefix = q.get("prefix", "")
        if "versions" in q:
            xml = ""
            for key in sorted(k for k in objects if k.startswith(prefix)):
                versions = objects[key]
                for i, v in reversed(list(enumerate(versions))):
                    tag = "DeleteMarker" if v["marker"] else "Version"
                    xml += "<%s><Key>%s</Key><VersionId>%s</VersionId><IsLatest>%s</IsLatest><LastModified>%s</LastModified>%s</%s>" % (
                        tag, esc(key), v["id"], "true" if i == len(versions) - 1 else "false", iso(v["at"]),
                        "" if v["marker"] else "<Size>%d</Size>" % len(v["body"]), tag)
            return self.send(200, {}, ("<ListVersionsResult><IsTruncated>false</IsTruncated>%s</ListVersionsResult>" % xml).encode())
        if "uploads" in q:
            xml = "".join("<Upload><Key>%s</Key><UploadId>%s</UploadId><Initiated>%s</Initiated></Upload>" % (esc(u["key"]), uid, iso(u["at"]))
                          for uid, u in sorted(uploads.items(), key=lambda e: e[1]["key"]) if u["key"].startswith(prefix))
            return self.send(200, {}, ("<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>%s</ListMultipartUploadsResult>" % xml).encode())
        xml = "".join("<Contents><Key>%s</Key><Size>%d</Size></Contents>" % (esc(k), len(current(k)["body"]))
                      for k in sorted(objects) if k.startswith(prefix) and current(k))
        return self.send(200, {}, ("<ListBucketResult><IsTruncated>false</IsTruncated>%s</ListBucketResult>" % xml).encode())

    def find(self, key, q):
        if "versionId" not in q: return current(key)
        return next((v for v in objects.get(key, []) if v["id"] == q["versionId"]), None)

    def object(self, key, q, body):
        if "uploadId" in q and self.command == "DELETE":
            if uploads.pop(q["uploadId"], None) is None:
                return self.send(404, {}, error("NoSuchUpload", "no such upload"))
            return self.send(204)
        if self.command == "PUT":
            if len(body) != int(self.headers.get("Content-Length", "0") or "0"):
                return  # the client went away mid-body: S3 stores nothing
            sent = self.headers.get("x-amz-checksum-sha256")
            if sent and sent != digest(body):
                return self.send(400, {}, error("BadDigest", "The SHA256 you specified did not match the calculated checksum."))
            if self.headers.get("If-None-Match") == "*" and current(key) and not state["ignore_if_none_match"]:
                return self.send(412, {}, error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold"))
            until = self.headers.get("x-amz-object-lock-retain-until-date")
            v = new_version(key, body=body, sum=digest(body), mode=self.headers.get("x-amz-object-lock-mode"),
                            until=parse_iso(until) if until else None)
            state["puts"] += 1
            if state["reset_puts"] > 0:
                # Stored, then the connection drops before the answer: the client sees a reset.
                state["reset_puts"] -= 1
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            return self.send(200, self.version_headers(key, v))
        if self.command == "DELETE":
            if "versionId" not in q:
                new_version(key, marker=True)
                return self.send(204)
            v = self.find(key, q)
            if v is None: return self.send(404, {}, error("NoSuchVersion", "no such version"))
            if v["until"] is not None and v["until"] > now():
                return self.send(403, {}, error("AccessDenied", "Access Denied because object protected by object lock."))
            objects[key].remove(v)
            if not objects[key]: del objects[key]
            return self.send(204)
        v = self.find(key, q)
        if v is None: return self.send(404, {}, error("NoSuchKey", "none"))
        if v["marker"]: return self.send(405, {}, error("MethodNotAllowed", "delete marker"))
        if self.command == "HEAD": return self.send(200, self.version_headers(key, v), length=len(v["body"]))
        data = v["body"]
        rng = self.headers.get("Range")
        if rng:
            first, last = rng.split("=")[1].split("-")
            first, last = int(first), min(int(last), len(data) - 1)
            h = self.version_headers(key, v)
            h["Content-Range"] = "bytes %d-%d/%d" % (first, last, len(data))
            return self.send(206, h, data[first:last + 1])
        return self.send(200, self.version_headers(key, v), data)
    do_GET = do_HEAD = do_PUT = do_DELETE = do_POST = handle_any

server = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
}
