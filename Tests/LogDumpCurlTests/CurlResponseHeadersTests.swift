import LogDump
@testable import LogDumpCurl
import XCTest

/// Header parsing that the emulator cannot provoke: 1xx resets, odd Content-Range.
final class CurlResponseHeadersTests: XCTestCase {
    func testStatusLineResetsHeaders() {
        var headers = ResponseHeaders()
        for line in ["HTTP/1.1 100 Continue\r\n", "ETag: \"old\"\r\n", "\r\n",
                     "HTTP/2 206\r\n", "content-range: bytes 10-19/100\r\n", "Content-Length: 10\r\n",
                     "Last-Modified: Tue, 01 Jul 2025 10:00:00 GMT\r\n", "\r\n"] {
            headers.take(line: line[...])
        }
        XCTAssertEqual(headers.status, 206)
        XCTAssertNil(headers.etag)
        XCTAssertEqual(headers.lastModified, "Tue, 01 Jul 2025 10:00:00 GMT")
        XCTAssertEqual(headers.contentLength, 10)
        XCTAssertEqual(headers.contentRange, ContentRange(parsing: "bytes 10-19/100"))
        XCTAssertEqual(headers.contentRange?.length, 10)
    }

    func testContentRangeForms() {
        XCTAssertEqual(ContentRange(parsing: "bytes 0-0/*")?.total, nil)
        XCTAssertEqual(ContentRange(parsing: "bytes 0-0/*")?.length, 1)
        XCTAssertEqual(ContentRange(parsing: "bytes 5-9/10")?.total, 10)
        XCTAssertNil(ContentRange(parsing: "bytes */10"))
        XCTAssertNil(ContentRange(parsing: "bytes 9-5/10"))
        XCTAssertNil(ContentRange(parsing: "bytes 5-10/10"))
        XCTAssertNil(ContentRange(parsing: "items 0-1/2"))
    }

    func testErrorBodies() {
        let json = ErrorBody(status: 401, body: Array(#"{"error_code": "APIGW.0301", "error_msg": "bad token abc"}"#.utf8),
                             redacting: ["abc"])
        XCTAssertEqual(json.code, "APIGW.0301")
        XCTAssertEqual(json.message, "bad token <token>")
        let throttled = ErrorBody(status: 429, body: Array("  Too many requests, slow down \n".utf8), redacting: [])
        XCTAssertNil(throttled.code)
        XCTAssertEqual(throttled.message, "Too many requests, slow down")
        let html = ErrorBody(status: 502, body: Array("<html>bad gateway</html>".utf8), redacting: [])
        XCTAssertNil(html.code)
        XCTAssertNil(html.message)
    }

    /// The server's text is data: escaped, cut, and a secret it echoes gone before the cut.
    func testErrorBodiesAreEscapedAndCut() {
        let forged = #"{"error_code": "E\n2026-12-03T00:00:00.000Z logdumpfs error: forged", "#
            + #""error_msg": "\u001b[2J\u001b]0;owned\u0007 \#(String(repeating: "x", count: 180))SECRET-TOKEN"}"#
        let body = ErrorBody(status: 500, body: Array(forged.utf8), redacting: ["SECRET-TOKEN"])
        XCTAssertEqual(body.code, #"E\n2026-12-03T00:00:00.000Z logdumpfs error: forged"#)
        XCTAssertEqual(body.message?.hasPrefix(#"\e[2J\e]0;owned\x07 xxx"#), true, body.message ?? "nil")
        XCTAssertEqual(body.message?.hasSuffix("x<toke…(2 more bytes)"), true, body.message ?? "nil")
        XCTAssertEqual(body.message?.contains("SECRET"), false)
        let raw = ErrorBody(status: 429, body: Array("slow\r\nFORGED\u{1b}[31m".utf8) + [0xFF, 0xC2, 0x9B], redacting: [])
        XCTAssertEqual(raw.message, #"slow\r\nFORGED\e[31m\xff\xc2\x9b"#)
    }

    func testIAMTimesAreQuotedEscaped() {
        let request = IAMRequest(IAMCredentials(endpoint: Endpoint(validated: "https://iam.example.com"), user: "u",
                                                domain: "d", project: "p", password: "pw"))
        let answer = CurlExchange.Answer(status: 201, headers: ["x-subject-token": "t"],
                                         body: Array(#"{"token": {"expires_at": "soon\n\u001b[2J"}}"#.utf8))
        XCTAssertThrowsError(try request.token(from: answer, now: Timestamp(seconds: 0), password: "pw")) { error in
            XCTAssertEqual("\(error)", #"bad response: IAM's expires_at "soon\n\e[2J" is not an RFC 3339 time"#)
        }
    }

    func testHostOfURLHasNoPathOrCredentials() {
        XCTAssertEqual(CurlExportSource.host(of: "https://clouddc.cn-east-3.myhuaweicloud.com/v1/p/x"),
                       "clouddc.cn-east-3.myhuaweicloud.com")
        XCTAssertEqual(CurlExportSource.host(of: "http://u:pw@127.0.0.1:8080/v1"), "127.0.0.1:8080")
    }
}
