import Foundation
import LetheCore
import LetheCrypto
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One request to the bucket, before signing.
struct S3Request {
    var method: String
    /// The object key, or nil for a request on the bucket itself.
    var key: String?
    var query: [(String, String)] = []
    var headers: [String: String] = [:]
    var body = Data()
    /// The body's SHA-256, when the caller already has it (saves hashing large parts twice).
    var bodySHA256: [UInt8]?
}

/// What the bucket answered: any status but the transient ones, which are retried away.
struct S3Response {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: Data
    /// How many times the request was sent to get this answer (more than 1 after a retry: an
    /// earlier attempt may have reached the store even though its answer never came back).
    var attempts = 1

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The S3 error code and message from an error body, if there is one.
    var errorDetail: (code: String, message: String)? {
        guard !body.isEmpty, let xml = S3XML.parse(body), xml.name == "Error" else { return nil }
        return (xml.value("Code") ?? "", xml.value("Message") ?? "")
    }
}

/// Signs, sends and retries requests over URLSession, blocking the calling thread.
final class S3Connection: @unchecked Sendable {
    let configuration: S3Configuration
    private let signer: S3Signer
    private let session: URLSession
    private let lock = NSLock()
    private var latestServerDate: Date?

    init(configuration: S3Configuration) {
        self.configuration = configuration
        signer = S3Signer(credentials: configuration.credentials, region: configuration.region, service: "s3")
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        sessionConfiguration.httpShouldSetCookies = false
        sessionConfiguration.urlCache = nil
        session = URLSession(configuration: sessionConfiguration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// The `Date` of the latest response, i.e. the store's own clock.
    var serverDate: Date? { lock.withLock { latestServerDate } }

    /// Sends `request`, retrying transient failures per the policy.
    ///
    /// - Returns: the response, whatever its status, unless it is transient (5xx, 429, SlowDown).
    /// - Throws: `ObjectStoreError.unavailable` once retries run out; `failed` for a bad URL or TLS.
    func send(_ request: S3Request) throws -> S3Response {
        var attempts = 0
        var response = try configuration.retry.perform {
            attempts += 1
            return try sendOnce(request)
        }
        response.attempts = attempts
        return response
    }

    private func sendOnce(_ request: S3Request) throws -> S3Response {
        let (url, host, encodedPath) = try location(of: request)
        let payloadHash = Digest.hex(request.bodySHA256 ?? Self.sha256(request.body))
        var headers = request.headers
        headers["host"] = host
        let added = signer.sign(method: request.method, encodedPath: encodedPath, query: request.query,
                                headers: headers, payloadHash: payloadHash, date: Date())
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = configuration.requestTimeout
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        for (name, value) in added { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if request.body.isEmpty, request.method == "PUT" || request.method == "POST" {
            urlRequest.setValue("0", forHTTPHeaderField: "Content-Length")
        }

        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        let task: URLSessionTask
        let completion: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            box.data = data; box.response = response; box.error = error
            semaphore.signal()
        }
        if request.body.isEmpty {
            task = session.dataTask(with: urlRequest, completionHandler: completion)
        } else {
            task = session.uploadTask(with: urlRequest, from: request.body, completionHandler: completion)
        }
        task.resume()
        semaphore.wait()

        if let error = box.error { throw transportError(error) }
        guard let http = box.response as? HTTPURLResponse else {
            throw ObjectStoreError.unavailable("the store sent no HTTP response")
        }
        var responseHeaders: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { responseHeaders[name.lowercased()] = value }
        }
        if let text = responseHeaders["date"], let date = Self.parseHTTPDate(text) {
            lock.withLock { latestServerDate = date }
        }
        let response = S3Response(status: http.statusCode, headers: responseHeaders, body: box.data ?? Data())
        let code = response.errorDetail?.code
        if response.status >= 500 || response.status == 429 || code == "SlowDown" || code == "RequestTimeout" {
            throw ObjectStoreError.unavailable(redact("HTTP \(response.status)" + (code.map { " \($0)" } ?? "")
                + (response.errorDetail.map { ": \($0.message)" } ?? "")))
        }
        return response
    }

    /// The URL, the Host header and the encoded path of a request.
    private func location(of request: S3Request) throws -> (URL, String, String) {
        let endpoint = configuration.endpoint
        guard let scheme = endpoint.scheme, var host = endpoint.host else {
            throw ObjectStoreError.failed("the endpoint \(endpoint) has no host")
        }
        if configuration.addressing == .virtualHost { host = configuration.bucket + "." + host }
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        var path = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
        if configuration.addressing == .path { path += "/" + S3Signer.encode(configuration.bucket, keepSlash: false) }
        if let key = request.key { path += "/" + S3Signer.encode(key, keepSlash: true) }
        if path.isEmpty { path = "/" }
        let query = S3Signer.canonicalQuery(request.query)
        let text = "\(scheme)://\(hostHeader)\(path)" + (query.isEmpty ? "" : "?" + query)
        guard let url = URL(string: text) else { throw ObjectStoreError.failed("cannot build a URL for \(request.key ?? "the bucket")") }
        return (url, hostHeader, path)
    }

    /// Connection failures are transient; TLS and URL problems are not.
    private func transportError(_ error: any Error) -> ObjectStoreError {
        let message = redact((error as NSError).localizedDescription)
        if let urlError = error as? URLError {
            switch urlError.code {
            case .badURL, .unsupportedURL, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
                return .failed("cannot talk to the store at \(configuration.endpoint): \(message)")
            default: break
            }
        }
        return .unavailable("cannot reach \(configuration.endpoint): \(message)")
    }

    /// The SHA-256 of `data`, hashed in place.
    static func sha256(_ data: Data) -> [UInt8] {
        let hasher = SHA256Hasher()
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// Removes any credential from a message meant for people or logs.
    func redact(_ text: String) -> String {
        var out = text
        let credentials = configuration.credentials
        for secret in [credentials.secretAccessKey, credentials.sessionToken ?? "", credentials.accessKeyID]
            where !secret.isEmpty {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return out
    }

    /// Parses an RFC 7231 date ("Sun, 29 Nov 2026 02:14:28 GMT").
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// Carries a URLSession completion's results back to the waiting thread.
private final class ResultBox: @unchecked Sendable {
    var data: Data?
    var response: URLResponse?
    var error: (any Error)?
}
