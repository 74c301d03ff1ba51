import XCTest
@testable import LogDump

/// Text from outside is data in a log line: escaped, cut, never a line of its own.
final class LogTextTests: XCTestCase {
    func testControlCharactersAreEscaped() {
        XCTAssertEqual("a\nb\rc\td\u{1b}[31me\u{7}f\u{0}g\u{7f}h\\i".escapedForLog(),
                       #"a\nb\rc\td\e[31me\x07f\x00g\x7fh\\i"#)
        XCTAssertEqual("C1:\u{85}\u{9b}, no-break\u{a0}space, é, 日本, 😀".escapedForLog(),
                       #"C1:\xc2\x85\xc2\x9b, no-break"# + "\u{a0}space, é, 日本, 😀")
        XCTAssertEqual("a\u{2028}b\u{202e}c\u{2066}d".escapedForLog(), #"a\u{2028}b\u{202e}c\u{2066}d"#)
    }

    func testBytesThatAreNotUTF8AreEscaped() {
        let bytes: [UInt8] = [0x6F, 0x6B, 0xFF, 0xC3, 0x28, 0xE2, 0x82, 0xED, 0xA0, 0x80, 0xC3, 0xA9]
        XCTAssertEqual(LogText.escaping(bytes), #"ok\xff\xc3(\xe2\x82\xed\xa0\x80"# + "é")
    }

    func testLongTextIsCutWithAMarker() {
        let text = String(repeating: "x", count: 1234)
        XCTAssertEqual(text.escapedForLog(limit: 10), "xxxxxxxxxx…(1224 more bytes)")
        XCTAssertEqual(text.escapedForLog().utf8.count, 200 + "…(1034 more bytes)".utf8.count)
        XCTAssertEqual("short".escapedForLog(limit: 5), "short")
        // Never inside a character: the 2-byte é that would cross the limit goes whole.
        XCTAssertEqual("abcé".escapedForLog(limit: 4), "abc…(2 more bytes)")
    }

    func testQuotedForLogEscapesQuotes() {
        XCTAssertEqual(#"say "hi"\n"#.quotedForLog(), #""say \"hi\"\\n""#)
        XCTAssertEqual("".quotedForLog(), #""""#)
        XCTAssertEqual("abcdef".quotedForLog(limit: 3), #""abc"…(3 more bytes)"#)
    }

    /// Log's last defence: one line whatever the message holds, escapes already made kept.
    func testOneLineKeepsAMessageOnOneLine() {
        XCTAssertEqual(LogText.oneLine("plain \\n text", limit: 100), "plain \\n text")
        XCTAssertEqual(LogText.oneLine("two\nlines\u{1b}[2J", limit: 100), #"two\nlines\e[2J"#)
        XCTAssertEqual(LogText.oneLine("abcdef", limit: 4), "abcd…(2 more bytes)")
    }

    func testCredentialsInAURLAreHidden() {
        XCTAssertEqual(Endpoint.redactingCredentials("https://u:pw@host:8443/x"), "https://***@host:8443/x")
        XCTAssertEqual(Endpoint.redactingCredentials("https://u:p/w@host"), "https://***@host")
        XCTAssertEqual(Endpoint.redactingCredentials("u:pw@host"), "***@host")
        XCTAssertEqual(Endpoint.redactingCredentials("https://host/"), "https://host/")
    }
}
