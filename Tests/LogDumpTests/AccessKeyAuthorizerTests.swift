import Foundation
@testable import LogDump
import LogDumpTestSupport
import XCTest

/// AccessKeyAuthorizer: a fresh signature per call, renewal through the provider, and
/// one sentence when a 401 shows that this machine's clock is far from the server's.
final class AccessKeyAuthorizerTests: XCTestCase {
    static let secretKey = "sk-never-shown-0123456789"
    static let securityToken = "security-token-never-shown"
    static let start = Date(timeIntervalSince1970: 1_796_299_200)  // 2026-12-03T12:00:00Z
    let request = OutgoingRequest(method: "GET", url: "https://clouddc.example.com/v1/p/physicalservers", projectID: "p")

    private func keys(_ ak: String = "AK1", token: String? = securityToken) -> AccessKeys {
        AccessKeys(accessKey: ak, secretKey: Self.secretKey, securityToken: token)
    }

    private func rejection(_ message: String?, date: String? = nil) -> Rejection {
        Rejection(error: .http(status: 401, code: "APIGW.0303", message: message), serverDate: date)
    }

    func testEachCallIsSignedAnewAtItsOwnTime() throws {
        let clock = SteppingClock(start: Self.start)
        let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys()), now: clock.now)
        let first = try authorizer.authorize(request)
        let second = try authorizer.authorize(request)
        XCTAssertTrue(first.headers.contains("X-Sdk-Date: 20261203T120000Z"), "\(first.headers)")
        XCTAssertTrue(second.headers.contains("X-Sdk-Date: 20261203T120001Z"), "\(second.headers)")
        XCTAssertNotEqual(first.headers.last, second.headers.last)
        XCTAssertEqual(first.credential, second.credential)
        XCTAssertTrue(first.headers.contains("X-Security-Token: \(Self.securityToken)"))
        XCTAssertEqual(first.secrets, [Self.securityToken])
    }

    /// The last guard against a header split through X-Project-Id.
    func testAProjectIDWithControlCharactersIsNeverSigned() {
        let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys()))
        let split = OutgoingRequest(method: "GET", url: "https://clouddc.example.com/v1/p", projectID: "p\r\nX-Evil: 1")
        XCTAssertThrowsError(try authorizer.authorize(split)) { error in
            XCTAssertTrue("\(error)".contains("control characters"), "\(error)")
        }
    }

    func testPermanentKeysSendNoSecurityToken() throws {
        let authorization = try AccessKeyAuthorizer(provider: TestKeyProvider(keys(token: nil))).authorize(request)
        XCTAssertFalse(authorization.headers.contains { $0.lowercased().hasPrefix("x-security-token") })
        XCTAssertEqual(authorization.secrets, [])
        XCTAssertTrue(authorization.headers.last?.contains("SignedHeaders=host;x-project-id;x-sdk-date,") ?? false)
    }

    func testRenewalIsTrueOnlyWhenNewerKeysExist() throws {
        let provider = TestKeyProvider(keys("AK1"), renewals: [keys("AK1", token: "renewed-token")])
        let authorizer = AccessKeyAuthorizer(provider: provider, now: { Self.start })
        let rejected = try authorizer.authorize(request)
        XCTAssertTrue(try authorizer.renew(after: rejected, rejection(nil)))
        let renewed = try authorizer.authorize(request)
        XCTAssertNotEqual(renewed.credential, rejected.credential, "a new token under the same AK is new keys")
        XCTAssertTrue(try authorizer.renew(after: rejected, rejection(nil)), "newer keys are current already")
        XCTAssertFalse(try authorizer.renew(after: renewed, rejection(nil)))
        XCTAssertEqual(provider.renewalRequests, 2)
    }

    func testTheGatewaysExpiredSignatureLogsTheSkewOnce() throws {
        let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys()), now: { Self.start })
        let rejected = try authorizer.authorize(request)
        let message = "Incorrect app authentication information: signature expired, "
            + "signature time:20261203T120000Z,server time:20261203T131500Z"
        let log = capturingStandardError {
            for _ in 0..<3 { XCTAssertFalse(try! authorizer.renew(after: rejected, rejection(message))) }
        }
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, log)
        XCTAssertTrue(log.contains("clock is 4500 seconds behind the server's"), log)
        XCTAssertTrue(log.contains("synchronise the clock"), log)
        XCTAssertFalse(log.contains(Self.secretKey) || log.contains(Self.securityToken), log)
    }

    func testADateHeaderFarFromOurClockLogsTheSkew() throws {
        let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys()), now: { Self.start })
        let rejected = try authorizer.authorize(request)
        let log = capturingStandardError {
            _ = try? authorizer.renew(after: rejected, rejection("Incorrect IAM authentication information: verify aksk signature fail",
                                                                 date: "Thu, 03 Dec 2026 11:40:00 GMT"))
        }
        XCTAssertTrue(log.contains("clock is 1200 seconds ahead of the server's"), log)
        XCTAssertEqual(log.split(separator: "\n").count, 1, log)
    }

    func testAClockCloseToTheServersLogsNothing() throws {
        let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys()), now: { Self.start })
        let rejected = try authorizer.authorize(request)
        let log = capturingStandardError {
            _ = try? authorizer.renew(after: rejected, rejection("verify aksk signature fail", date: "Thu, 03 Dec 2026 12:02:00 GMT"))
            _ = try? authorizer.renew(after: rejected, rejection("no dates here", date: "not a date"))
            _ = try? authorizer.renew(after: rejected, rejection(nil))
        }
        XCTAssertEqual(log, "")
    }

    func testSkewFromTheGatewaysMessage() {
        XCTAssertEqual(ClockSkew.sdkTime(after: "server time:", in: "x server time:19700101T000130Z"), 90)
        XCTAssertNil(ClockSkew.sdkTime(after: "server time:", in: "server time:20261303T000000Z"))
        XCTAssertNil(ClockSkew.sdkTime(after: "server time:", in: "server time:2026120"))
        let ahead = Rejection(error: .http(status: 401, code: nil,
                                           message: "signature expired, signature time:20261203T130000Z,server time:20261203T120000Z"),
                              serverDate: nil)
        XCTAssertEqual(ClockSkew.seconds(in: ahead, now: Self.start), -3600)
    }
}
