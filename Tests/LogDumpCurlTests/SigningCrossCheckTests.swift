import Foundation
import LogDump
import LogDumpCurl
import LogDumpTestSupport
import XCTest

/// Requests logdumpfs really sends with AK/SK (downloads, a server listing, an export
/// request), captured by a loopback server and re-signed by Huawei Cloud's Python SDK
/// (SDKOracle): every Authorization must be the SDK's. Each attempt is signed anew.
final class SigningCrossCheckTests: XCTestCase {
    static let permanent = AccessKeys(accessKey: "HPUAPERMANENTAK00001", secretKey: "sk-permanent/Secret+Key=0001")
    static let temporary = AccessKeys(accessKey: "HST3TEMPORARYAK00001", secretKey: "sk-temporary/Secret+Key=0001",
                                      securityToken: "gQpjbi1lYXN0LTMi+temporary/token=1")
    static let renewed = AccessKeys(accessKey: "HST3TEMPORARYAK00002", secretKey: "sk-temporary/Secret+Key=0002",
                                    securityToken: "gQpjbi1lYXN0LTMi+temporary/token=2")
    static let secretKeys = [permanent, temporary, renewed].reduce(into: [String: String]()) { $0[$1.accessKey] = $1.secretKey }
    let clock = SteppingClock(start: Date(timeIntervalSince1970: 1_796_299_200))  // 2026-12-03T12:00:00Z
    private var server: ScriptedServer?

    override func setUpWithError() throws {
        try SDKOracle.require()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    private func serve(_ replies: [ScriptedServer.Reply]) throws -> ScriptedServer {
        let server = try ScriptedServer(replies)
        self.server = server
        return server
    }

    private func partial(_ range: Range<Int>, of total: Int = 100) -> ScriptedServer.Reply {
        .init("HTTP/1.1 206 Partial Content\nContent-Range: bytes \(range.lowerBound)-\(range.upperBound - 1)/\(total)\n"
              + "Content-Length: \(range.count)\nConnection: close\n\n", body: Array(repeating: 0x61, count: range.count))
    }

    private func json(_ body: String) -> ScriptedServer.Reply {
        .init("HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: \(body.utf8.count)\nConnection: close\n\n",
              body: Array(body.utf8))
    }

    /// What `server` received, each request's Authorization checked against the SDK's.
    private func verified(_ server: ScriptedServer, count: Int, file: StaticString = #filePath,
                          line: UInt = #line) throws -> [CapturedRequest] {
        let requests = zip(server.requests, server.requestBodies).map { CapturedRequest(head: $0, body: $1) }
        XCTAssertEqual(requests.count, count, "requests received: \(server.requests)", file: file, line: line)
        let expected = try SDKOracle.authorizations(requests, keys: Self.secretKeys)
        for (request, sdk) in zip(requests, expected) {
            XCTAssertNotNil(request["Authorization"], "\(request.method) \(request.target) is not signed", file: file, line: line)
            XCTAssertEqual(request["Authorization"], sdk, "\(request.method) \(request.target)", file: file, line: line)
        }
        return requests
    }

    private func signedHeaders(_ request: CapturedRequest) -> String? {
        request["Authorization"]?.firstRange(of: "SignedHeaders=").map { found in
            String(request["Authorization"]![found.upperBound...].prefix { $0 != "," })
        }
    }

    private func location(_ server: ScriptedServer, endpointPath: String = "") -> ExportLocation {
        ExportLocation(endpoint: Endpoint(validated: "http://127.0.0.1:\(server.port)\(endpointPath)"),
                       key: ExportKey(projectID: "0a1b2c3d", serverID: "srv 01/ü", exportID: "exp%20261101~+*"))
    }

    func testRangeReadsAreSignedAsTheSDKSignsThem() throws {
        let server = try serve([partial(0..<10), partial(10..<30)])
        let source = CurlExportSource(authorizer: AccessKeyAuthorizer(provider: TestKeyProvider(Self.temporary), now: clock.now))
        let location = location(server, endpointPath: "/gateway/./old/../api")
        try source.transfer(TransferRequest(location: location, range: 0..<10), into: RecordingSink())
        try source.transfer(TransferRequest(location: location, range: 10..<30), into: RecordingSink())
        let requests = try verified(server, count: 2)
        for request in requests {
            XCTAssertEqual(request.method, "GET")
            XCTAssertTrue(request.target.hasPrefix("/gateway/api/v1/0a1b2c3d/physicalservers/srv%2001%2F%C3%BC/"), request.target)
            XCTAssertEqual(request["Host"], "127.0.0.1:\(server.port)")
            XCTAssertEqual(request["X-Project-Id"], "0a1b2c3d")
            XCTAssertEqual(request["X-Security-Token"], Self.temporary.securityToken)
            XCTAssertEqual(signedHeaders(request), "host;x-project-id;x-sdk-date;x-security-token")
        }
        XCTAssertEqual(requests.map { $0["X-Sdk-Date"] }, ["20261203T120000Z", "20261203T120001Z"])
        XCTAssertNotEqual(requests[0]["Authorization"], requests[1]["Authorization"])
    }

    func testServerListingAndExportRequestAreSignedAsTheSDKSignsThem() throws {
        let server = try serve([json(#"{"servers": [{"id": "srv-01"}], "count": 1}"#),
                                json(#"{"export_id": "exp-1", "status": "running"}"#)])
        let cloud = CurlCloudDC(endpoint: Endpoint(validated: "http://127.0.0.1:\(server.port)"),
                                authorizer: AccessKeyAuthorizer(provider: TestKeyProvider(Self.permanent), now: clock.now),
                                policy: RetryPolicy(deadline: .zero))
        let page = try cloud.listServers(project: "0a1b2c3d", marker: "0-srv 09/é+~", limit: 50, manageState: "managed")
        XCTAssertEqual(page.servers.map(\.id), ["srv-01"])
        XCTAssertEqual(try cloud.requestExport(project: "0a1b2c3d", server: "srv-01").exportID, "exp-1")
        let requests = try verified(server, count: 2)
        XCTAssertEqual(requests.map(\.method), ["GET", "POST"])
        XCTAssertEqual(requests[0].target, "/v1/0a1b2c3d/physicalservers?limit=50&marker=0-srv%2009%2F%C3%A9%2B~&manage_state=managed",
                       "the query is sent unsorted: the signature sorts it")
        XCTAssertEqual(requests[1].target, "/v1/0a1b2c3d/physicalservers/srv-01/logs/exports")
        XCTAssertEqual(requests[1].body, [])
        for request in requests {
            XCTAssertNil(request["X-Security-Token"], "permanent keys have no security token")
            XCTAssertEqual(signedHeaders(request), "host;x-project-id;x-sdk-date")
        }
    }

    func testEachAttemptIsSignedAnew() throws {
        let server = try serve([.init("HTTP/1.1 503 Service Unavailable\nRetry-After: 0\nContent-Length: 0\nConnection: close\n\n"),
                                partial(0..<10)])
        let curl = CurlExportSource(authorizer: AccessKeyAuthorizer(provider: TestKeyProvider(Self.temporary), now: clock.now))
        let source = RetryingSource(wrapping: curl, policy: RetryPolicy(deadline: .seconds(30), baseDelay: .milliseconds(1),
                                                                        maxDelay: .milliseconds(10)))
        try source.transfer(TransferRequest(location: location(server), range: 0..<10), into: RecordingSink())
        let requests = try verified(server, count: 2)
        XCTAssertNotEqual(requests[0]["X-Sdk-Date"], requests[1]["X-Sdk-Date"])
        XCTAssertNotEqual(requests[0]["Authorization"], requests[1]["Authorization"])
    }

    func testA401IsReplayedSignedWithTheRenewedKeys() throws {
        let server = try serve([.init("HTTP/1.1 401 Unauthorized\nContent-Length: 2\nConnection: close\n\n{}"), partial(0..<10)])
        let provider = TestKeyProvider(Self.temporary, renewals: [Self.renewed])
        let source = CurlExportSource(authorizer: AccessKeyAuthorizer(provider: provider, now: clock.now))
        try source.transfer(TransferRequest(location: location(server), range: 0..<10), into: RecordingSink())
        let requests = try verified(server, count: 2)
        XCTAssertEqual(requests.map { $0["X-Security-Token"] }, [Self.temporary.securityToken, Self.renewed.securityToken])
        XCTAssertTrue(requests[1]["Authorization"]?.contains("Access=\(Self.renewed.accessKey),") ?? false)
    }

    /// A server that echoes the security token in its 401, with a Date an hour ahead:
    /// the error and the log name the skew once and hold neither the token nor the SK.
    func testSecretsReachNoErrorOrLogAndTheSkewIsNamed() throws {
        let message = "Incorrect IAM authentication information: verify aksk signature fail, token \(Self.temporary.securityToken!)"
        let body = #"{"error_code": "APIGW.0301", "error_msg": "\#(message)"}"#
        let reply = ScriptedServer.Reply("HTTP/1.1 401 Unauthorized\nDate: Thu, 03 Dec 2026 13:00:00 GMT\n"
                                         + "Content-Length: \(body.utf8.count)\nConnection: close\n\n", body: Array(body.utf8))
        let server = try serve([reply, reply])
        let noon = Date(timeIntervalSince1970: 1_796_299_200)
        let source = CurlExportSource(authorizer: AccessKeyAuthorizer(provider: TestKeyProvider(Self.temporary), now: { noon }))
        var failure: Error?
        let log = try capturingStandardError {
            for _ in 0..<2 {
                XCTAssertThrowsError(try source.transfer(TransferRequest(location: location(server), range: 0..<10),
                                                         into: RecordingSink())) { failure = $0 }
            }
        }
        let errorText = "\(failure.map { "\($0)" } ?? "")"
        XCTAssertTrue(errorText.contains("APIGW.0301"), errorText)
        for text in [errorText, log] {
            XCTAssertFalse(text.contains(Self.temporary.securityToken!), text)
            XCTAssertFalse(text.contains(Self.temporary.secretKey), text)
        }
        let skewLines = log.split(separator: "\n").filter { $0.contains("seconds behind the server's") }
        XCTAssertEqual(skewLines.count, 1, log)
        XCTAssertTrue(skewLines.first?.contains("clock is 3600 seconds behind") ?? false, log)
        _ = try verified(server, count: 2)
    }
}
