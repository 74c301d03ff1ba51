@testable import LogDumpCurl
import XCTest

/// The server's file name from `Content-Disposition` (RFC 6266, RFC 5987), and every
/// way a hostile or broken server could make it unsafe: those give no name at all.
final class ContentDispositionTests: XCTestCase {
    private func name(_ value: String) -> String? { ContentDisposition.fileName(value[...]) }

    func testTokenAndQuotedForms() {
        XCTAssertEqual(name("attachment; filename=2102311TUVN0K1000123-dump.tar.gz"), "2102311TUVN0K1000123-dump.tar.gz")
        XCTAssertEqual(name(#"attachment; filename="SN 42-dump.tar.gz""#), "SN 42-dump.tar.gz")
        XCTAssertEqual(name(#"ATTACHMENT ;FILENAME = "a\"b.tar.gz" ; size=3"#), #"a"b.tar.gz"#)
        XCTAssertEqual(name("inline; filename=x.tar.gz;"), "x.tar.gz")
    }

    func testExtendedFormWinsOverThePlainOne() {
        XCTAssertEqual(name("attachment; filename=\"euro.tar.gz\"; filename*=UTF-8''%E2%82%AC-dump.tar.gz"), "€-dump.tar.gz")
        XCTAssertEqual(name("attachment; filename*=utf-8'en'SN%2042.tar.gz"), "SN 42.tar.gz")
        XCTAssertEqual(name("attachment; filename*=ISO-8859-1''%A3-dump.tar.gz"), "£-dump.tar.gz")
        // An unreadable filename* falls back to filename.
        XCTAssertEqual(name("attachment; filename*=KOI8-R''%C1.tar.gz; filename=plain.tar.gz"), "plain.tar.gz")
        XCTAssertEqual(name("attachment; filename*=UTF-8''%FF%FE.tar.gz; filename=plain.tar.gz"), "plain.tar.gz")
    }

    func testPathSeparatorsAndDotsAreRefused() {
        XCTAssertNil(name(#"attachment; filename="../../etc/passwd""#))
        XCTAssertNil(name("attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd"))
        XCTAssertNil(name(#"attachment; filename="..\\evil.tar.gz""#))
        XCTAssertNil(name(#"attachment; filename="..""#))
        XCTAssertNil(name(#"attachment; filename=".""#))
        XCTAssertNil(name(#"attachment; filename="""#))
    }

    func testControlCharactersAreRefused() {
        XCTAssertNil(name("attachment; filename=\"a\u{1B}[31mred.tar.gz\""))
        XCTAssertNil(name("attachment; filename*=UTF-8''a%0Ab.tar.gz"))
        XCTAssertNil(name("attachment; filename*=UTF-8''a%00b.tar.gz"))
        XCTAssertNil(name("attachment; filename*=UTF-8''a%C2%85b.tar.gz")) // NEL, a C1 control
        XCTAssertNil(name("attachment; filename=\"a\u{7F}b\""))
    }

    func testHugeValuesAreRefused() {
        XCTAssertNil(name("attachment; filename=\"\(String(repeating: "a", count: 256))\""))
        XCTAssertEqual(name("attachment; filename=\"\(String(repeating: "a", count: 255))\"")?.count, 255)
        XCTAssertNil(name("attachment; filename=ok.tar.gz; x=\"\(String(repeating: "b", count: 4000))\""))
    }

    func testInvalidUTF8IsRefused() {
        // The header callback decodes the line as curl gives it, invalid bytes replaced.
        var headers = ResponseHeaders()
        let line: [UInt8] = Array("Content-Disposition: attachment; filename=\"a".utf8) + [0xFF, 0xFE] + Array(".tar.gz\"\r\n".utf8)
        headers.take(line: String(decoding: line, as: UTF8.self)[...])
        XCTAssertNil(headers.fileName)
        headers.take(line: "Content-Disposition: attachment; filename=\"good.tar.gz\"\r\n")
        XCTAssertEqual(headers.fileName, "good.tar.gz")
    }

    func testBrokenHeadersGiveNoName() {
        XCTAssertNil(name("attachment; filename=\"unterminated.tar.gz"))
        XCTAssertNil(name("attachment; filename=a.tar.gz; filename=b.tar.gz")) // twice: ambiguous
        XCTAssertNil(name("attachment; filename"))
        XCTAssertNil(name("; filename=a.tar.gz"))
        XCTAssertNil(name("attachment filename=a.tar.gz"))
        XCTAssertNil(name("attachment; filename*=UTF-8''%ZZ.tar.gz"))
        XCTAssertNil(name("attachment; filename*=a.tar.gz"))
        XCTAssertNil(name("attachment"))
    }
}
