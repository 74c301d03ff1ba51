import XCTest
import LogDump

final class EndpointParsingTests: XCTestCase {
    func testAcceptedEndpoints() {
        let cases: [(String, String)] = [
            ("https://clouddc.cn-east-3.myhuaweicloud.com", "https://clouddc.cn-east-3.myhuaweicloud.com"),
            ("https://clouddc.cn-east-3.myhuaweicloud.com/", "https://clouddc.cn-east-3.myhuaweicloud.com"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://localhost:8080/prefix/api//", "http://localhost:8080/prefix/api"),
            ("HTTPS://Example.COM/Path", "https://example.com/Path"),
            ("http://[::1]:9000/x", "http://[::1]:9000/x"),
            ("http://h/a%20b", "http://h/a%20b"),
        ]
        for (text, url) in cases {
            XCTAssertEqual(Endpoint.parse(text)?.url, url, text)
        }
    }

    func testRejectedEndpoints() {
        let cases = [
            "", "clouddc.example.com", "ftp://h", "https://", "https:///path", "https://:443",
            "https://user@h", "https://user:pw@h/x", "https://h?x=1", "https://h/p#frag",
            "https://h /p", " https://h", "https://h\n", "https://h\t", "https://hé.example",
            "https://h:0", "https://h:65536", "https://h:", "https://h:8a", "https://h/%zz", "https://h/%2",
            "https://h/a b", "https://[zz]", "https://[::1", "https://h_x.example",
        ]
        for text in cases {
            XCTAssertNil(Endpoint.parse(text), text)
        }
    }
}
