import Foundation
@testable import LogDump
import XCTest

/// --token-file: read at start, again when the file changes and after a 401; a file
/// caught empty or missing mid-rewrite keeps the last good token.
final class FileTokenTests: TokenTestCase {
    private var path: String { directory + "/token" }

    private func write(_ text: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)  // in place: same inode
    }

    func testTokenIsReadAndTrimmed() throws {
        try write("  tok-1 \n")
        XCTAssertEqual(try FileToken(path: path).currentToken(), "tok-1")
    }

    func testUnusableFilesAtStartAreNamedButNotQuoted() throws {
        let cases: [(String?, String)] = [(nil, "No such file or directory"), ("\n \n", "is empty"),
                                          ("secret-a\nsecret-b\n", "more than one line")]
        for (content, phrase) in cases {
            try? FileManager.default.removeItem(atPath: path)
            if let content { try write(content) }
            let error = remoteError { () throws(RemoteError) in try FileToken(path: path) }
            let text = (error?.description ?? "no error")
            XCTAssertEqual(error?.errno, .accessDenied, text)
            XCTAssertTrue(text.contains(path) && text.contains(phrase), text)
            XCTAssertFalse(text.contains("secret"), text)
        }
    }

    func testRewrittenFileIsSeenWithinAboutASecond() throws {
        try write("tok-1\n")
        let source = try FileToken(path: path)
        XCTAssertEqual(try source.currentToken(), "tok-1")
        try write("tok-2\n")  // same inode and size: only the modification time tells
        let inPlace = try waitFor(.seconds(3)) { try source.currentToken() == "tok-2" }
        XCTAssertLessThan(try XCTUnwrap(inPlace, "a rewrite in place was not noticed"), .milliseconds(1500))

        try "tok-3\n".write(toFile: path + ".new", atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(path + ".new", path), 0)  // renamed over: new inode
        let renamed = try waitFor(.seconds(3)) { try source.currentToken() == "tok-3" }
        XCTAssertLessThan(try XCTUnwrap(renamed, "a file renamed into place was not noticed"), .milliseconds(1500))
    }

    func testChangeIsLookedForAtMostOncePerInterval() throws {
        try write("tok-1\n")
        let source = try FileToken(path: path, checkInterval: .seconds(3600))
        try write("tok-2\n")
        XCTAssertEqual(try source.currentToken(), "tok-1")
    }

    func testAfterA401TheFileIsReadAtOnce() throws {
        try write("tok-1\n")
        let source = try FileToken(path: path, checkInterval: .seconds(3600))
        try write("tok-2\n")
        XCTAssertEqual(try source.renewed(after: "tok-1"), "tok-2")
        XCTAssertEqual(try source.currentToken(), "tok-2")
        // A caller whose rejected token was replaced already gets the current one.
        try write("tok-3\n")
        XCTAssertEqual(try source.renewed(after: "tok-1"), "tok-2")
        // Nothing newer in the file: the same token, so the 401 stands.
        try write("tok-2\n")
        XCTAssertEqual(try source.renewed(after: "tok-2"), "tok-2")
    }

    func testEmptyOrMissingFileMidRewriteKeepsTheLastToken() throws {
        try write("tok-1\n")
        let source = try FileToken(path: path, checkInterval: .milliseconds(10))
        try write("")
        usleep(50_000)
        XCTAssertEqual(try source.currentToken(), "tok-1")
        XCTAssertEqual(try source.renewed(after: "tok-1"), "tok-1")
        try FileManager.default.removeItem(atPath: path)
        usleep(50_000)
        XCTAssertEqual(try source.currentToken(), "tok-1")
        XCTAssertEqual(try source.renewed(after: "tok-1"), "tok-1")
        try write("tok-2\n")
        XCTAssertNotNil(try waitFor(.seconds(2)) { try source.currentToken() == "tok-2" })
    }
}
