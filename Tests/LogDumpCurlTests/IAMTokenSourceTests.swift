import Foundation
import LogDump
import LogDumpCurl
import XCTest

/// IAMTokenSource against a stand-in identity service on loopback.
final class IAMTokenSourceTests: XCTestCase {
    private var iam: IAMStandIn?

    override func tearDown() {
        iam?.stop()
        iam = nil
    }

    private func start(lifetime: Duration = .seconds(86_400), account: IAMStandIn.Account = .init()) throws -> IAMStandIn {
        let iam = try IAMStandIn(account: account, lifetime: lifetime)
        self.iam = iam
        return iam
    }

    private func credentials(_ iam: IAMStandIn, password: String? = nil) -> IAMCredentials {
        IAMCredentials(endpoint: Endpoint(validated: iam.endpoint), user: iam.account.user, domain: iam.account.domain,
                       project: iam.account.project, password: password ?? iam.account.password)
    }

    private func source(_ iam: IAMStandIn, password: String? = nil) throws(RemoteError) -> IAMTokenSource {
        try IAMTokenSource(credentials(iam, password: password), retryDelays: [.milliseconds(10)])
    }

    func testTokenComesFromTheSubjectTokenHeader() throws {
        let iam = try start()
        let source = try source(iam)
        XCTAssertEqual(try source.currentToken(), "iam-token-1")
        XCTAssertEqual(try source.currentToken(), "iam-token-1")
        XCTAssertEqual(iam.issued, 1)
    }

    func testRequestBodyHasUserDomainAndProjectEscaped() throws {
        let account = IAMStandIn.Account(user: "back\"up\\é", domain: "acme/ünï", project: "cn-east-3",
                                         password: "p\"w\\\n\u{1}/€")
        let iam = try start(account: account)
        _ = try source(iam)
        let request = try XCTUnwrap(iam.requests.first)
        XCTAssertEqual(request.contentType, "application/json;charset=utf8")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        let auth = try XCTUnwrap(json["auth"] as? [String: Any])
        let identity = try XCTUnwrap(auth["identity"] as? [String: Any])
        XCTAssertEqual(identity["methods"] as? [String], ["password"])
        let user = try XCTUnwrap((identity["password"] as? [String: Any])?["user"] as? [String: Any])
        XCTAssertEqual(user["name"] as? String, account.user)
        XCTAssertEqual(user["password"] as? String, account.password)
        XCTAssertEqual((user["domain"] as? [String: Any])?["name"] as? String, account.domain)
        let scope = try XCTUnwrap(auth["scope"] as? [String: Any])
        XCTAssertEqual((scope["project"] as? [String: Any])?["name"] as? String, account.project)
    }

    func testRenewsAheadOfAShortExpiry() throws {
        let iam = try start(lifetime: .seconds(3))  // renewed when 0.6 s remain
        let started = ContinuousClock.now
        let source = try source(iam)
        XCTAssertEqual(try source.currentToken(), "iam-token-1")
        var renewed: ContinuousClock.Instant?
        while renewed == nil && ContinuousClock.now - started < .seconds(6) {
            if try source.currentToken() == "iam-token-2" { renewed = .now }
            usleep(20_000)
        }
        let at = try XCTUnwrap(renewed, "never renewed") - started
        XCTAssertGreaterThan(at, .milliseconds(2300), "renewed too early")
        XCTAssertLessThan(at, .seconds(3), "not renewed before the token expired")
        XCTAssertEqual(iam.issued, 2)
    }

    func testRenewsAfterA401OnceForConcurrentCallers() throws {
        let iam = try start()
        let source = try source(iam)
        let tokens = LockedFailures()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            tokens.add((try? source.renewed(after: "iam-token-1")) ?? "failed")
        }
        XCTAssertEqual(tokens.all, Array(repeating: "iam-token-2", count: 4))
        XCTAssertEqual(iam.issued, 2)
        XCTAssertEqual(try source.currentToken(), "iam-token-2")
    }

    func testWrongPasswordIs401WithIAMsMessageAndNoPassword() throws {
        let iam = try start()
        let wrong = "wrong-Pa55word"
        do {
            _ = try source(iam, password: wrong)
            XCTFail("a wrong password was accepted")
        } catch {
            guard case .http(401, "IAM.0001", "The username or password is wrong.", _) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(error.errno, .accessDenied)
            XCTAssertFalse(error.description.contains(wrong), error.description)
        }
        XCTAssertEqual(iam.requests.count, 1, "a refusal is not retried")
    }

    func testUnreachableIAMIsANetworkErrorAfterRetries() throws {
        let iam = try start()
        let endpoint = iam.endpoint
        iam.stop()
        let started = ContinuousClock.now
        do {
            _ = try IAMTokenSource(IAMCredentials(endpoint: Endpoint(validated: endpoint), user: "u", domain: "d",
                                                  project: "p", password: "secret-pw"),
                                   retryDelays: [.milliseconds(10), .milliseconds(10)])
            XCTFail("no IAM, yet a token")
        } catch {
            guard case .network(let why) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(why.contains("secret-pw"), why)
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testServerErrorsAreRetried() throws {
        let iam = try start()
        iam.setFailing(503)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { iam.setFailing(nil) }
        let source = try IAMTokenSource(credentials(iam), retryDelays: [.milliseconds(500), .seconds(1)])
        XCTAssertEqual(try source.currentToken(), "iam-token-1")
        XCTAssertGreaterThanOrEqual(iam.requests.count, 2)
    }
}
