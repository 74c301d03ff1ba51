import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import XCTest

/// What a hostile server says reaches the log as data: a 500 whose error_msg holds
/// newlines, a forged log line and terminal escapes gives one warning line, escaped and cut.
final class ServerTextLoggingTests: XCTestCase {
    private var server: ScriptedServer?

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private let forgedLine = "2026-12-03T00:00:00.000Z logdumpfs error: FORGED"

    func testErrorBodyCannotForgeLogLinesOrDriveTheTerminal() throws {
        let escapes = #"\u001b]0;owned\u0007\u001b[2J\u001b[31m"#
        let json = #"{"error_code": "APIGW.0500\n\#(forgedLine)", "error_msg": "\#(escapes)\r\n\#(forgedLine)\n"#
            + String(repeating: "A", count: 5000) + #""}"#
        let log = try giveUpLog(status: "500 Internal Server Error", body: Array(json.utf8))
        XCTAssertTrue(log.contains(#"HTTP 500 APIGW.0500\n\#(forgedLine): \e]0;owned\x07\e[2J\e[31m\r\n\#(forgedLine)\nAAA"#), log)
        XCTAssertTrue(log.contains("AAA…("), log)
    }

    /// A plain 429 body is taken raw: control bytes and bytes that are not UTF-8 too.
    func testRawThrottlingBodyCannotForgeLogLines() throws {
        let body = Array("slow down\n\(forgedLine)\u{1b}[2J".utf8) + [0xFF, 0xC2, 0x9B] + Array(String(repeating: "B", count: 3000).utf8)
        let log = try giveUpLog(status: "429 Too Many Requests", body: body)
        XCTAssertTrue(log.contains(#"HTTP 429: slow down\n\#(forgedLine)\e[2J\xff\xc2\x9bBBB"#), log)
        XCTAssertTrue(log.contains("BBB…("), log)
    }

    /// Fetches once through RetryingSource with no time for retries, so that it logs why it
    /// gave up, and returns that line after checking it is one short line of data.
    private func giveUpLog(status: String, body: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let server = try ScriptedServer([.init("HTTP/1.1 \(status)\nContent-Length: \(body.count)\nConnection: close\n\n", body: body)])
        self.server = server
        let location = ExportLocation(endpoint: Endpoint(validated: "http://127.0.0.1:\(server.port)"),
                                      key: ExportKey(projectID: "p", serverID: "s", exportID: "e"))
        let source = RetryingSource(wrapping: CurlExportSource(token: StaticToken("t")), policy: RetryPolicy(deadline: .zero))
        let log = try capturingStandardError {
            XCTAssertThrowsError(try source.transfer(TransferRequest(location: location, range: 0..<10), into: RecordingSink()))
        }
        XCTAssertFalse(log.unicodeScalars.contains("\u{1b}"), "a raw ESC reached the log", file: file, line: line)
        XCTAssertFalse(log.contains("\r"), "a raw CR reached the log", file: file, line: line)
        let lines = log.split(separator: "\n")
        XCTAssertFalse(lines.contains { $0.hasPrefix(forgedLine) }, "a forged line: \(log)", file: file, line: line)
        let giveUp = lines.filter { $0.contains("giving up on") }
        XCTAssertEqual(giveUp.count, 1, log, file: file, line: line)
        XCTAssertLessThan(giveUp.first?.utf8.count ?? 0, 1000, log, file: file, line: line)
        return String(giveUp.first ?? "")
    }
}

/// What the process writes to standard error (the log) while `body` runs.
func capturingStandardError(_ body: () throws -> Void) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("logdumpfs-stderr-\(UUID().uuidString)").path
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd); unlink(path) }
    let saved = dup(2)
    dup2(fd, 2)
    defer { dup2(saved, 2); close(saved) }
    try body()
    return try String(contentsOfFile: path, encoding: .utf8)
}
