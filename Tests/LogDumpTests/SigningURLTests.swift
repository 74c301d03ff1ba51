@testable import LogDump
import XCTest

/// What is signed is what curl sends (checked against curl 7.88 on this machine): the
/// Host it writes and the path after its dot-segment removal.
final class SigningURLTests: XCTestCase {
    func testHostIsWhatCurlSends() {
        XCTAssertEqual(SigningURL("https://clouddc.example.com/v1").host, "clouddc.example.com")
        XCTAssertEqual(SigningURL("http://127.0.0.1:8080/v1").host, "127.0.0.1:8080")
        XCTAssertEqual(SigningURL("http://127.0.0.1:08080/v1").host, "127.0.0.1:8080")
        XCTAssertEqual(SigningURL("http://127.0.0.1:80/v1").host, "127.0.0.1")
        XCTAssertEqual(SigningURL("https://h.example.com:443/v1").host, "h.example.com")
        XCTAssertEqual(SigningURL("https://h.example.com:80/v1").host, "h.example.com:80")
        XCTAssertEqual(SigningURL("http://h.example.com:/v1").host, "h.example.com")
        XCTAssertEqual(SigningURL("http://[::1]:18080/v1").host, "[::1]:18080")
        XCTAssertEqual(SigningURL("http://[::1]/v1").host, "[::1]")
        XCTAssertEqual(SigningURL("http://user:pw@Host.Example:8443?x=1").host, "Host.Example:8443")
    }

    func testPathAndQueryAreSplitAsSent() {
        let url = SigningURL("https://h/v1/a%20b/c?x=1&y=2#part")
        XCTAssertEqual(url.path, "/v1/a%20b/c")
        XCTAssertEqual(url.query, "x=1&y=2")
        XCTAssertEqual(SigningURL("https://h").path, "/")
        XCTAssertEqual(SigningURL("https://h?a=1").path, "/")
        XCTAssertEqual(SigningURL("https://h?a=1").query, "a=1")
    }

    func testDotSegmentsAreRemovedAsCurlDoes() {
        XCTAssertEqual(SigningURL("http://h/a/./b/../c/").path, "/a/c/")
        XCTAssertEqual(SigningURL("http://h/Up/../x").path, "/x")
        XCTAssertEqual(SigningURL("http://h/a/..").path, "/")
        XCTAssertEqual(SigningURL("http://h/../../x/.").path, "/x/")
        XCTAssertEqual(SigningURL("http://h/a/%2e%2e/b").path, "/a/%2e%2e/b")
        XCTAssertEqual(SigningURL("http://h/a/..b/.c").path, "/a/..b/.c")
    }

    func testCanonicalPathAndQuery() {
        let url = SigningURL("http://h/v1/%7ep%2Fq/%zz/x%4?b=2&a=%31&a=0&c")
        XCTAssertEqual(url.canonicalPath, "/v1/~p/q/%25zz/x%254/")
        XCTAssertEqual(url.canonicalQuery, "a=0&a=1&b=2&c=")
    }
}
