import Foundation
import LogDump
@testable import LogDumpCurl
import LogDumpEmulator
import Synchronization
import XCTest

/// CurlCloudDC against the emulator's sibling calls over loopback: pages, retries of
/// 429s with Retry-After, one token renewal after a 401, both percentage shapes, failed
/// exports.
final class CurlCloudDCTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var emulator: Emulator { fixture.emulator }

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(largePayloadBytes: 0)
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private func client(token: any TokenSource = StaticToken(EmulatorFixture.token),
                        deadline: Duration = .seconds(20)) -> CurlCloudDC {
        CurlCloudDC(endpoint: Endpoint(validated: emulator.endpoint), token: token,
                    policy: RetryPolicy(deadline: deadline, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)))
    }

    private func fleet(_ change: (inout FleetConfig) -> Void) {
        var fleet = FleetConfig()
        change(&fleet)
        emulator.setFleet(fleet)
    }

    func testListsEveryPage() throws {
        fleet { $0.serversPerProject = 2500 }
        let api = client()
        var pages: [ServerPage] = []
        var marker: String?
        repeat {
            let page = try api.listServers(project: "proj1", marker: marker, limit: 1000, manageState: nil)
            pages.append(page)
            marker = page.nextMarker
        } while marker != nil && pages.count < 10
        XCTAssertEqual(pages.map(\.servers.count), [1000, 1000, 500])
        XCTAssertEqual(pages.first?.count, 2500)
        let ids = pages.flatMap(\.servers).map(\.id)
        XCTAssertEqual(Set(ids).count, 2500)
        let server = try XCTUnwrap(pages.first?.servers.first)
        XCTAssertNotNil(server.name)
        XCTAssertNotNil(server.manageState)
        XCTAssertNotNil(server.powerState)
        XCTAssertNotNil(server.healthState)

        let ready = try api.listServers(project: "proj1", marker: nil, limit: 1000, manageState: "ready")
        XCTAssertTrue(ready.servers.allSatisfy { $0.manageState == "ready" })
        XCTAssertEqual(ready.count, ready.servers.count)
    }

    func test429IsRetriedAfterRetryAfter() throws {
        emulator.setFaults(.with {
            $0.apiErrorBurst = ErrorBurst(status: 429, count: 2)
            $0.retryAfter = "1"
        })
        let started = Date()
        let page = try client().listServers(project: "proj1", marker: nil, limit: 10, manageState: nil)
        XCTAssertEqual(page.servers.count, 10)
        XCTAssertEqual(emulator.apiRequestCount, 3, "two 429s, then the answer")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 2, "waited as Retry-After asked, twice")
    }

    func testA429ThatOutlastsTheDeadlineIsThrown() throws {
        emulator.setFaults(.with { $0.apiErrorRates = [429: 1] })
        XCTAssertThrowsError(try client(deadline: .milliseconds(500)).requestExport(project: "proj1", server: "srv-a")) {
            XCTAssertEqual(($0 as? RemoteError)?.status, 429)
        }
        XCTAssertGreaterThan(emulator.apiRequestCount, 1, "retried before giving up")
    }

    func testA401IsRenewedOnce() throws {
        let token = CountingToken(first: "expired", renewed: EmulatorFixture.token)
        let progress = try client(token: token).requestExport(project: "proj1", server: "srv-a")
        XCTAssertFalse(progress.exportID.isEmpty)
        XCTAssertEqual(token.renewals, 1)
        XCTAssertEqual(emulator.apiRequestCount, 2)
    }

    func testA401ThatStandsIsThrownAfterOneRenewal() throws {
        let token = CountingToken(first: "expired", renewed: "also-wrong")
        XCTAssertThrowsError(try client(token: token).listServers(project: "proj1", marker: nil, limit: 10, manageState: nil)) {
            XCTAssertEqual(($0 as? RemoteError)?.status, 401)
        }
        XCTAssertEqual(token.renewals, 1)
        XCTAssertEqual(emulator.apiRequestCount, 2, "not retried: a token is not cured by waiting")
    }

    func testBothPercentageShapesAreRead() throws {
        for style in FleetConfig.PercentageStyle.allCases {
            fleet {
                $0.exportSeconds = 20
                $0.percentageStyle = style
            }
            let api = client()
            let requested = try api.requestExport(project: "proj1", server: "srv-a")
            XCTAssertEqual(requested.phase, .running)
            XCTAssertEqual(requested.status, "processing")
            XCTAssertNotNil(requested.createdAt)
            Thread.sleep(forTimeInterval: 0.6)
            let status = try api.exportStatus(project: "proj1", server: "srv-a", export: requested.exportID)
            let percentage = try XCTUnwrap(status.percentage, "\(style)")
            XCTAssertTrue((1...99).contains(percentage), "\(style): \(percentage)")
            XCTAssertEqual(status.exportID, requested.exportID)
        }
    }

    func testACompletedExportIsCompleted() throws {
        fleet { $0.exportSeconds = 0 }
        let progress = try client().requestExport(project: "proj1", server: "srv-a")
        XCTAssertEqual(progress.phase, .completed)
        XCTAssertEqual(progress.percentage, 100)
    }

    func testAFailedExportCarriesItsMessage() throws {
        fleet {
            $0.exportSeconds = 0
            $0.failExports = true
        }
        let progress = try client().requestExport(project: "proj1", server: "srv-a")
        guard case .failed(let message) = progress.phase else { return XCTFail("\(progress)") }
        XCTAssertTrue(message.contains("BMC"), message)
    }

    func testAnUnknownServerIs404AndNotRetried() throws {
        XCTAssertThrowsError(try client().requestExport(project: "proj1", server: "nope")) {
            XCTAssertEqual(($0 as? RemoteError)?.status, 404)
        }
        XCTAssertEqual(emulator.apiRequestCount, 1)
    }

    // MARK: parsing what servers send

    func testPercentageShapes() throws {
        func parsed(_ json: String) throws -> Int? {
            try CloudDCAnswers.exportProgress(Array(#"{"export_id": "e", "status": "processing", "percentage": \#(json)}"#.utf8)).percentage
        }
        XCTAssertEqual(try parsed("30"), 30)
        XCTAssertEqual(try parsed(#""30%""#), 30)
        XCTAssertEqual(try parsed(#"" 45 % ""#), 45)
        XCTAssertEqual(try parsed(#""7""#), 7)
        XCTAssertEqual(try parsed("62.5"), 62)
        XCTAssertEqual(try parsed("140"), 100)
        XCTAssertNil(try parsed(#""soon""#))
        XCTAssertNil(try parsed("null"))
        XCTAssertNil(try parsed("{}"))
    }

    func testStatusesAndTolerance() throws {
        func progress(_ json: String) throws -> ExportProgress {
            try CloudDCAnswers.exportProgress(Array(json.utf8), exportID: "asked")
        }
        XCTAssertEqual(try progress(#"{"export_id": "e", "status": "queued"}"#).phase, .running, "unknown: running")
        XCTAssertEqual(try progress(#"{"export_id": "e", "status": "Completed", "extra": [1]}"#).phase, .completed)
        XCTAssertEqual(try progress(#"{"status": "failed", "error_msg": "disk\u001b[2Jfull"}"#).phase,
                       .failed(#"disk\e[2Jfull"#), "server text escaped")
        XCTAssertEqual(try progress(#"{"status": "failed"}"#).phase, .failed("status failed"))
        XCTAssertEqual(try progress(#"{"status": "processing"}"#).exportID, "asked")
        XCTAssertEqual(try progress(#"{"export_id": 42, "created_at": "2025-03-20T02:48:06+00:00"}"#).createdAt,
                       Timestamp(seconds: 1_742_438_886))
        XCTAssertThrowsError(try CloudDCAnswers.exportProgress(Array("<html>busy</html>".utf8)))
        XCTAssertThrowsError(try CloudDCAnswers.serverPage(Array(#"{"servers": [{"name": "x"}]}"#.utf8)))
    }
}

/// Hands out `first`, then `renewed` after a 401; counts the renewals.
private final class CountingToken: TokenSource {
    private let state: Mutex<(current: String, renewals: Int)>
    private let next: String

    init(first: String, renewed: String) {
        state = Mutex((first, 0))
        next = renewed
    }

    var renewals: Int { state.withLock { $0.renewals } }

    func currentToken() throws(RemoteError) -> String { state.withLock { $0.current } }

    func renewed(after rejected: String) throws(RemoteError) -> String {
        state.withLock {
            $0.renewals += 1
            $0.current = next
            return next
        }
    }
}
