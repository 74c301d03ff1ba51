import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import XCTest

/// After a 401, CurlExportSource asks its token source for a new token and replays the
/// request once with it; a 401 that stands is thrown, never looped on.
extension CurlExportSourceTests {
    private var tokenFile: String { root.appendingPathComponent("token").path }

    /// A file token whose file already holds `next` (the file is only looked at again
    /// after a 401: the check interval is long), while the token in use is `first`.
    private func fileToken(first: String, next: String) throws -> FileToken {
        try first.write(toFile: tokenFile, atomically: false, encoding: .utf8)
        let token = try FileToken(path: tokenFile, checkInterval: .seconds(3600))
        try next.write(toFile: tokenFile, atomically: false, encoding: .utf8)
        return token
    }

    func testA401IsReplayedOnceWithTheRenewedToken() throws {
        let location = try start()
        let token = try fileToken(first: "expired-token", next: Self.token + "\n")
        let sink = RecordingSink()
        try CurlExportSource(token: token).transfer(TransferRequest(location: location, range: 100..<200_000), into: sink)
        XCTAssertEqual(sink.bytes, Array(fileBytes[100..<200_000]))
        XCTAssertEqual(sink.beginCount, 1)
        XCTAssertEqual(emulator?.contentRequestCount, 2)
        XCTAssertEqual(try token.currentToken(), Self.token)
    }

    func testA401ThatStandsIsThrownAfterOneReplay() throws {
        let location = try start()
        let token = try fileToken(first: "expired-token", next: "another-wrong-token")
        let sink = RecordingSink()
        let error = expectRemoteError { () throws(RemoteError) in
            try CurlExportSource(token: token).transfer(TransferRequest(location: location, range: 0..<10), into: sink)
        }
        guard case .http(401, _, _, _)? = error else { return XCTFail("expected HTTP 401, got \(String(describing: error))") }
        XCTAssertEqual(error?.errno, .accessDenied)
        XCTAssertEqual(emulator?.contentRequestCount, 2)
        XCTAssertNil(sink.head)
    }

    func testA401WithoutANewerTokenIsNotReplayed() throws {
        let location = try start()
        let error = expectRemoteError { () throws(RemoteError) in
            try CurlExportSource(token: StaticToken("wrong")).transfer(TransferRequest(location: location, range: 0..<10),
                                                                      into: RecordingSink())
        }
        guard case .http(401, _, _, _)? = error else { return XCTFail("expected HTTP 401, got \(String(describing: error))") }
        XCTAssertEqual(emulator?.contentRequestCount, 1)
    }
}
