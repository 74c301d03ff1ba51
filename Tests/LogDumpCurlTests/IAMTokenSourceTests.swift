import Foundation
import LogDump
import LogDumpTestSupport
@testable import LogDumpCurl
import LogDumpEmulator
import XCTest

/// IAMTokenSource against the emulator's IAM endpoint: the tokens it gets download, are
/// renewed ahead of a short expiry and after a 401, and a refusal says what IAM said.
final class IAMTokenSourceTests: EmulatorIAMTestCase {
    /// Quotes, backslashes, a newline, a control character and non-ASCII: the JSON body
    /// must escape them all for the emulator to let this user in.
    override class var user: IAMUser { IAMUser(name: "log\"reader\\é", domain: "acme/ünï", password: "p\"w\\\n\u{1}/€ x") }

    private func credentials(password: String = IAMTokenSourceTests.user.password,
                             endpoint: String? = nil) -> IAMCredentials {
        IAMCredentials(endpoint: Endpoint(validated: endpoint ?? emulator.endpoint), user: Self.user.name,
                       domain: Self.user.domain, project: "cn-east-3", password: password)
    }

    private func setTokenLifetime(seconds: Int) {
        var plan = emulator.faults
        plan.tokenLifetimeSeconds = seconds
        emulator.setFaults(plan)
    }

    /// Downloads the small sample export with `source`'s tokens.
    private func download(with source: any TokenSource) throws -> [UInt8] {
        let export = fixture.small
        let location = ExportLocation(endpoint: Endpoint(validated: emulator.endpoint),
                                      key: ExportKey(projectID: export.spec.projectID, serverID: export.spec.serverID,
                                                     exportID: export.spec.exportID))
        let sink = RecordingSink()
        try CurlExportSource(token: source).transfer(TransferRequest(location: location, range: nil), into: sink)
        return sink.bytes
    }

    func testTheSubjectTokenDownloads() throws {
        let source = try IAMTokenSource(credentials())
        let token = try source.currentToken()
        XCTAssertTrue(token.hasPrefix("MII"), "not the X-Subject-Token")
        XCTAssertEqual(try download(with: source), Array(try fixture.data(fixture.small)))
        XCTAssertEqual(try source.currentToken(), token)
        XCTAssertEqual(emulator.iamRequestCount, 1)
    }

    /// The body as Huawei documents it, every string escaped (quotes, backslashes, a newline,
    /// a control character, non-ASCII): the emulator accepts the login only if they arrive intact.
    func testRequestBodyHasUserDomainAndProjectEscaped() throws {
        let request = IAMRequest(credentials())
        XCTAssertEqual(request.url, emulator.endpoint + "/v3/auth/tokens")
        XCTAssertTrue(IAMRequest.headers.contains("Content-Type: application/json;charset=utf8"))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        let auth = try XCTUnwrap(json["auth"] as? [String: Any])
        let identity = try XCTUnwrap(auth["identity"] as? [String: Any])
        XCTAssertEqual(identity["methods"] as? [String], ["password"])
        let user = try XCTUnwrap((identity["password"] as? [String: Any])?["user"] as? [String: Any])
        XCTAssertEqual(user["name"] as? String, Self.user.name)
        XCTAssertEqual(user["password"] as? String, Self.user.password)
        XCTAssertEqual((user["domain"] as? [String: Any])?["name"] as? String, Self.user.domain)
        let scope = try XCTUnwrap(auth["scope"] as? [String: Any])
        XCTAssertEqual((scope["project"] as? [String: Any])?["name"] as? String, "cn-east-3")
        XCTAssertNoThrow(try IAMTokenSource(credentials()))
    }

    func testRenewsAheadOfAShortExpiryAndReadsNeverFail() throws {
        setTokenLifetime(seconds: 3)  // renewed when 0.6 s remain
        let started = ContinuousClock.now
        let source = try IAMTokenSource(credentials())
        let first = try source.currentToken()
        var renewedAt: Duration?
        while ContinuousClock.now - started < .seconds(4) {  // past the first token's end, before the second's renewal
            XCTAssertEqual(try download(with: source).count, try fixture.data(fixture.small).count)
            if renewedAt == nil, try source.currentToken() != first { renewedAt = ContinuousClock.now - started }
            usleep(50_000)
        }
        let at = try XCTUnwrap(renewedAt, "never renewed")
        XCTAssertGreaterThan(at, .milliseconds(2300), "renewed too early")
        XCTAssertLessThan(at, .seconds(3), "not renewed before the token expired")
        XCTAssertEqual(emulator.statusCounts[401] ?? 0, 0, "a download was refused")
        XCTAssertEqual(emulator.iamRequestCount, 2)
    }

    func testRenewsAfterA401OnceForConcurrentCallers() throws {
        let source = try IAMTokenSource(credentials())
        let first = try source.currentToken()
        let tokens = LockedFailures()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                tokens.add((try? source.renewed(after: first)) ?? "failed")
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(Set(tokens.all).count, 1)
        XCTAssertNotEqual(tokens.all.first, first)
        XCTAssertEqual(emulator.iamRequestCount, 2)
        XCTAssertEqual(try source.currentToken(), tokens.all.first)
    }

    func testWrongPasswordIs401WithIAMsMessageAndNoPassword() throws {
        let wrong = "wrong-Pa55word"
        do {
            _ = try IAMTokenSource(credentials(password: wrong))
            XCTFail("a wrong password was accepted")
        } catch {
            guard case .http(401, "IAM.0001", "The username or password is wrong.", _) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(error.errno, .accessDenied)
            XCTAssertFalse(error.description.contains(wrong), error.description)
        }
        XCTAssertEqual(emulator.iamRequestCount, 1, "a refusal is not retried")
        XCTAssertFalse(credentials().description.contains(Self.user.password))
    }

    func testUnreachableIAMIsANetworkErrorAfterRetries() throws {
        let (fd, port) = try XCTUnwrap(bindLoopback())
        close(fd)  // nobody listens there
        let started = ContinuousClock.now
        do {
            _ = try IAMTokenSource(credentials(endpoint: "http://127.0.0.1:\(port)"),
                                   retryDelays: [.milliseconds(200), .milliseconds(200)])
            XCTFail("no IAM, yet a token")
        } catch {
            guard case .network(let why) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(why.contains(Self.user.password), why)
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(400), "not retried")
        XCTAssertLessThan(elapsed, .seconds(5))
    }
}
