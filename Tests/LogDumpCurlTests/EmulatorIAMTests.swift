import Foundation
import LogDumpEmulator
import XCTest

/// POST /v3/auth/tokens (Huawei IAM, password method) and the tokens it issues.
final class EmulatorIAMTests: EmulatorIAMTestCase {

    private func login(name: String = EmulatorIAMTests.user.name, password: String = EmulatorIAMTests.user.password,
                       domain: String = EmulatorIAMTests.user.domain,
                       scope: String? = #"{"project": {"name": "cn-east-3"}}"#) throws -> CurlResult {
        try fixture.login(name: name, password: password, domain: domain, scope: scope)
    }

    private func post(_ body: String) throws -> CurlResult { try fixture.postTokenRequest(body) }

    private func download(token: String) throws -> CurlResult {
        try fixture.curl([fixture.url(fixture.small), "-H", "X-Auth-Token: \(token)"])
    }

    /// `2026-11-29T10:00:00.000000Z` → a date, or nil when it is not in exactly that form.
    private func iamDate(_ text: String?) -> Date? {
        guard let text, text.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression) != nil,
              let whole = ISO8601DateFormatter().date(from: String(text.prefix(19)) + "Z"),
              let micros = Double(text.dropFirst(20).prefix(6))
        else { return nil }
        return whole.addingTimeInterval(micros / 1e6)
    }

    func testRightCredentialsGet201AndATokenThatDownloads() throws {
        let before = Date()
        let r = try login()
        XCTAssertEqual(r.status, 201)
        let token = try XCTUnwrap(r.header("X-Subject-Token"))
        XCTAssertGreaterThan(token.count, 32)
        let body = try XCTUnwrap(r.json?["token"] as? [String: Any])
        XCTAssertEqual(body["methods"] as? [String], ["password"])
        let issued = try XCTUnwrap(iamDate(body["issued_at"] as? String), "\(body)")
        let expires = try XCTUnwrap(iamDate(body["expires_at"] as? String), "\(body)")
        XCTAssertEqual(expires.timeIntervalSince(issued), 86400, accuracy: 0.001)
        XCTAssertEqual(issued.timeIntervalSince(before), 0, accuracy: 300, "on the wall clock")

        let served = try download(token: token)
        XCTAssertEqual(served.status, 200)
        XCTAssertEqual(served.body, try fixture.data(fixture.small))
        emulator.setToken("rotated")
        XCTAssertEqual(try download(token: token).status, 200, "replacing the static token leaves IAM tokens valid")
        XCTAssertEqual(emulator.iamRequestCount, 1)
    }

    func testEveryLoginGetsAFreshToken() throws {
        let first = try login().header("X-Subject-Token")
        let second = try login(scope: #"{"project": {"id": "0b6d1e1d3f8a4c2e"}}"#).header("X-Subject-Token")
        let third = try login(scope: nil).header("X-Subject-Token")
        XCTAssertEqual(Set([first, second, third].compactMap { $0 }).count, 3)
        for token in [first, second, third].compactMap({ $0 }) {
            XCTAssertEqual(try download(token: token).status, 200, "a new token does not revoke older ones")
        }
    }

    func testWrongCredentialsGet401() throws {
        for r in [try login(password: "wrong"), try login(name: "someone"), try login(domain: "other")] {
            XCTAssertEqual(r.status, 401)
            XCTAssertNil(r.header("X-Subject-Token"))
            XCTAssertEqual(r.json?["error_code"] as? String, "IAM.0001")
            XCTAssertEqual(r.json?["error_msg"] as? String, "The username or password is wrong.")
        }
    }

    func testNoIAMUserConfiguredGets401() throws {
        fixture.close()
        fixture = try EmulatorFixture(largePayloadBytes: 0)
        let r = try login()
        XCTAssertEqual(r.status, 401)
        XCTAssertEqual(r.json?["error_code"] as? String, "IAM.0001")
    }

    func testMalformedRequestsGet400() throws {
        let bodies = [
            "{",
            #"{"auth": {}}"#,
            #"{"auth": {"identity": {"methods": ["token"], "password": {"user": {"name": "u", "password": "p", "domain": {"name": "d"}}}}}}"#,
            #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "u", "password": "p"}}}}}"#,
            #"{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "u", "password": "p", "domain": {"name": "d"}}}}, "scope": {"project": {}}}}"#,
        ]
        for body in bodies {
            let r = try post(body)
            XCTAssertEqual(r.status, 400, body)
            XCTAssertNotNil(r.json?["error_msg"] as? String, body)
        }
        XCTAssertEqual(try fixture.curl([emulator.endpoint + "/v3/auth/tokens"]).status, 405, "GET")
    }

    func testIAMTokenExpiresAfterItsLifetime() throws {
        emulator.setFaults(.with { $0.tokenLifetimeSeconds = 1 })
        let r = try login()
        XCTAssertEqual(r.status, 201)
        let token = try XCTUnwrap(r.header("X-Subject-Token"))
        let body = try XCTUnwrap(r.json?["token"] as? [String: Any])
        let issued = try XCTUnwrap(iamDate(body["issued_at"] as? String))
        let expires = try XCTUnwrap(iamDate(body["expires_at"] as? String))
        XCTAssertEqual(expires.timeIntervalSince(issued), 1, accuracy: 0.001)

        var last: CurlResult?
        let expired = try EmulatorFixture.wait(upTo: 10) {
            last = try download(token: token)
            return last?.status == 401
        }
        XCTAssertTrue(expired, "still \(last?.status ?? 0) after 10 s")
        XCTAssertEqual(last?.json?["error_code"] as? String, "CDC.0401")
        XCTAssertEqual(last?.json?["error_msg"] as? String, "The token has expired.")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(issued), 1)
        XCTAssertEqual(try fixture.get(fixture.small).status, 200, "the static token still works")
    }
}
