import Foundation
import LetheCore
import LetheS3
import Testing

/// Plain http only to this machine: which hosts count as loopback, and what the configuration
/// refuses. (The `init` and home behaviour through the real binary: `OffsiteEndpointTests`.)
@Suite struct S3TransportTests {
    @Test(arguments: ["127.0.0.1", "127.255.255.254", "127.0.0.0", "::1", "[::1]", "localhost", "LocalHost"])
    func loopbackHosts(_ host: String) {
        #expect(S3Configuration.isLoopback(host: host))
    }

    @Test(arguments: ["128.0.0.1", "127.0.0.256", "127.0.0", "127.1", "127.0.0.1.nip.io", "localhost.example.com",
                      "0x7f.0.0.1", "127.0.0.-1", "::ffff:127.0.0.1", "example.com", "10.0.0.1", ""])
    func otherHosts(_ host: String) {
        #expect(!S3Configuration.isLoopback(host: host))
    }

    @Test func plainHTTPElsewhereIsRefusedUnlessAllowed() throws {
        let credentials = S3Credentials(accessKeyID: "a", secretAccessKey: "b")
        let endpoint = try #require(URL(string: "http://s3.example.com"))
        #expect(throws: S3Error.insecureEndpoint("http://s3.example.com")) {
            _ = try S3Configuration(endpoint: endpoint, region: "us-east-1", bucket: "b", credentials: credentials)
        }
        _ = try S3Configuration(endpoint: endpoint, region: "us-east-1", bucket: "b", credentials: credentials, allowInsecureHTTP: true)
        _ = try S3Configuration(endpoint: try #require(URL(string: "https://s3.example.com")), region: "us-east-1", bucket: "b",
                                credentials: credentials)
        _ = try S3Configuration(endpoint: try #require(URL(string: "http://127.0.0.1:9000")), region: "us-east-1", bucket: "b",
                                credentials: credentials)
    }
}
