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
        let json = ErrorBody(status: 401, body: Array(#"{"error_code": "APIGW.0301", "error_msg": "bad token abc"}"#.utf8))
            .redacting("abc")
        XCTAssertEqual(json.code, "APIGW.0301")
        XCTAssertEqual(json.message, "bad token <token>")
        let throttled = ErrorBody(status: 429, body: Array("  Too many requests, slow down \n".utf8))
        XCTAssertNil(throttled.code)
        XCTAssertEqual(throttled.message, "Too many requests, slow down")
        let html = ErrorBody(status: 502, body: Array("<html>bad gateway</html>".utf8))
        XCTAssertNil(html.code)
        XCTAssertNil(html.message)
    }

    func testHostOfURLHasNoPathOrCredentials() {
        XCTAssertEqual(CurlExportSource.host(of: "https://clouddc.cn-east-3.myhuaweicloud.com/v1/p/x"),
                       "clouddc.cn-east-3.myhuaweicloud.com")
        XCTAssertEqual(CurlExportSource.host(of: "http://u:pw@127.0.0.1:8080/v1"), "127.0.0.1:8080")
    }
}
