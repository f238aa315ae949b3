import Foundation
import LetheCrypto

/// AWS Signature Version 4, header form, for the `s3` service (or another, e.g. `iam`).
struct S3Signer: Sendable {
    let credentials: S3Credentials
    let region: String
    let service: String

    /// Percent-encodes per SigV4: everything but A-Z a-z 0-9 - . _ ~ (and '/' when `keepSlash`).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// The canonical query string: pairs encoded, sorted by name then value.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { pair in
            (encode(pair.0, keepSlash: false), encode(pair.1, keepSlash: false))
        }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// The headers to add to a request (`Authorization`, `x-amz-date`, `x-amz-content-sha256`,
    /// `x-amz-security-token`), given every other header that will be sent and signed.
    ///
    /// - Parameters:
    ///   - encodedPath: the URI path exactly as sent (already percent-encoded).
    ///   - headers: header names (any case) and values; `host` must be among them.
    func sign(method: String, encodedPath: String, query: [(String, String)], headers: [String: String],
              payloadHash: String, date: Date) -> [String: String] {
        let stamp = Self.amzDate(date)
        let day = String(stamp.prefix(8))
        var all: [String: String] = [:]
        for (name, value) in headers { all[name.lowercased()] = value }
        all["x-amz-date"] = stamp
        all["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { all["x-amz-security-token"] = token }
        let names = all.keys.sorted()
        let canonicalHeaders = names.map { name in
            let value = all[name]!.trimmingCharacters(in: .whitespaces)
                .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            return "\(name):\(value)\n"
        }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonicalRequest = [method, encodedPath, Self.canonicalQuery(query), canonicalHeaders,
                                signedHeaders, payloadHash].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope,
                            Digest.hex(Digest.sha256(Array(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), message: Array(day.utf8))
        for part in [region, service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, message: Array(part.utf8))
        }
        let signature = Digest.hex(Digest.hmacSHA256(key: key, message: Array(stringToSign.utf8)))
        var added = ["x-amz-date": stamp, "x-amz-content-sha256": payloadHash]
        if let token = credentials.sessionToken { added["x-amz-security-token"] = token }
        added["Authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return added
    }

    /// "20261129T021000Z"
    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
