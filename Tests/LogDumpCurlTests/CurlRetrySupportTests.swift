import Foundation
import LogDump
import LogDumpTestSupport
import LogDumpCurl
import XCTest

/// What the curl source gives retries: Retry-After in the error, If-Range and open
/// ranges on the wire, and transfers that stop promptly once cancelled.
final class CurlRetrySupportTests: XCTestCase {
    let key = ExportKey(projectID: "p", serverID: "s", exportID: "e")
    var server: ScriptedServer?

    override func tearDown() {
        server?.stop()
        server = nil
    }

    func serve(_ replies: [ScriptedServer.Reply]) throws -> ExportLocation {
        let server = try ScriptedServer(replies)
        self.server = server
        return ExportLocation(endpoint: Endpoint(validated: "http://127.0.0.1:\(server.port)"), key: key)
    }

    func transferError(_ source: any ExportSource, _ request: TransferRequest) -> RemoteError? {
        do {
            try source.transfer(request, into: RecordingSink())
            return nil
        } catch {
            return error
        }
    }

    func testRetryAfterSecondsComeWithA429() throws {
        let location = try serve([.init("HTTP/1.1 429 Too Many Requests\nRetry-After: 7\nContent-Length: 9\nConnection: close\n\n",
                                        body: Array("slow down".utf8))])
        let error = transferError(CurlExportSource(token: StaticToken("t")), TransferRequest(location: location, range: 0..<10))
        XCTAssertEqual(error, .http(status: 429, code: nil, message: "slow down", retryAfter: .seconds(7)))
    }

    func testRetryAfterDateComesWithA503() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(30))
        let location = try serve([.init("HTTP/1.1 503 Service Unavailable\nRetry-After: \(date)\nContent-Length: 0\nConnection: close\n\n")])
        let error = transferError(CurlExportSource(token: StaticToken("t")), TransferRequest(location: location, range: nil))
        XCTAssertEqual(error?.status, 503)
        let wait = try XCTUnwrap(error?.retryAfter)
        XCTAssertGreaterThan(wait, .seconds(27))
        XCTAssertLessThanOrEqual(wait, .seconds(30))
    }

    func testIfRangeAndARangeToTheEndAreSent() throws {
        let location = try serve([.init("HTTP/1.1 206 Partial Content\nContent-Range: bytes 100-109/110\nContent-Length: 10\nConnection: close\n\n",
                                        body: Array(0..<10))])
        let sink = RecordingSink()
        let request = TransferRequest(location: location, range: 100..<TransferRequest.toEnd, ifRange: "\"v1\"")
        try CurlExportSource(token: StaticToken("t")).transfer(request, into: sink)
        XCTAssertEqual(sink.bytes, Array(0..<10))
        let head = try XCTUnwrap(server?.requests.first)
        XCTAssertTrue(head.contains("\r\nRange: bytes=100-\r\n"), head)
        XCTAssertTrue(head.contains("\r\nIf-Range: \"v1\"\r\n"), head)
    }

    /// The server promised a million bytes, sent a hundred and went quiet; the stall
    /// timeout is far away, but the reader has gone: the transfer ends within a second.
    func testCancellationStopsAStalledTransferPromptly() throws {
        let location = try serve([.init("HTTP/1.1 200 OK\nContent-Length: 1000000\n\n", body: Array(repeating: 7, count: 100),
                                        stalls: true)])
        let sink = RecordingSink()
        sink.onReceive = { _ in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { sink.cancel() }
        }
        let started = ContinuousClock.now
        try CurlExportSource(token: StaticToken("t")).transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(1_600))
        XCTAssertEqual(sink.bytes.count, 100)
    }

    /// End to end: a 503, then a body broken off, then the rest as a 206 under If-Range.
    func testRetryingOverCurlResumesWhereTheBodyBrokeOff() throws {
        let body = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let location = try serve([
            .init("HTTP/1.1 503 Service Unavailable\nRetry-After: 0\nContent-Length: 0\nConnection: close\n\n"),
            .init("HTTP/1.1 200 OK\nETag: \"v1\"\nContent-Length: 1000\nConnection: close\n\n", body: Array(body[..<400])),
            .init("HTTP/1.1 206 Partial Content\nETag: \"v1\"\nContent-Range: bytes 400-999/1000\nContent-Length: 600\nConnection: close\n\n",
                  body: Array(body[400...])),
        ])
        let source = RetryingSource(wrapping: CurlExportSource(token: StaticToken("t")),
                                    policy: RetryPolicy(deadline: .seconds(5), baseDelay: .milliseconds(1), maxDelay: .milliseconds(5)))
        let sink = RecordingSink()
        try source.transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertEqual(sink.bytes, body)
        XCTAssertEqual(sink.beginCount, 1)
        let heads = try XCTUnwrap(server?.requests)
        XCTAssertEqual(heads.count, 3)
        XCTAssertFalse(heads[1].contains("Range:"), heads[1])
        XCTAssertTrue(heads[2].contains("\r\nRange: bytes=400-999\r\n"), heads[2])
        XCTAssertTrue(heads[2].contains("\r\nIf-Range: \"v1\"\r\n"), heads[2])
    }
}
