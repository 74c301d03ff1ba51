import Foundation
@testable import LogDump
import LogDumpTestSupport
import XCTest

/// Requests signed by Huawei Cloud's own SDK (huaweicloudsdkcore's Signer, run by
/// scripts/oracle/known_answers.py) at a fixed X-Sdk-Date: logdumpfs must sign each alike.
final class SigningKnownAnswerTests: XCTestCase {
    struct Fixture: Decodable {
        var sdk: String
        var x_sdk_date: String
        var access_key: String
        var secret_key: String
        var cases: [Case]
    }

    struct Case: Decodable {
        var name: String
        var method: String
        var url: String
        var project_id: String?
        var security_token: String?
        var headers: [[String]]
        var body: String
        var host: String
        var canonical_request: String
        var authorization: String
    }

    static let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/signing/sdk-known-answers.json").standardized.path

    private func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixturePath)))
    }

    /// The fixture's X-Sdk-Date as a Date.
    private func date(_ sdkDate: String) throws -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return try XCTUnwrap(formatter.date(from: sdkDate))
    }

    func testTheFixturesComeFromThePinnedSDK() throws {
        let fixture = try fixture()
        XCTAssertEqual(fixture.sdk, "huaweicloudsdkcore 3.1.219")
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 16)
    }

    func testEveryRequestIsSignedAsTheSDKSignedIt() throws {
        let fixture = try fixture()
        let signer = RequestSigner(accessKey: fixture.access_key, secretKey: fixture.secret_key)
        let date = try date(fixture.x_sdk_date)
        for known in fixture.cases {
            var headers = known.headers.map { (name: $0[0], value: $0[1]) }
            if let project = known.project_id { headers.append(("X-Project-Id", project)) }
            if let token = known.security_token { headers.append(("X-Security-Token", token)) }
            let signature = signer.sign(method: known.method, url: known.url, headers: headers,
                                        body: Array(known.body.utf8), date: date)
            XCTAssertEqual(signature.sdkDate, fixture.x_sdk_date, known.name)
            XCTAssertEqual(SigningURL(known.url).host, known.host, known.name)
            XCTAssertEqual(signature.canonicalRequest, known.canonical_request, known.name)
            XCTAssertEqual(signature.authorization, known.authorization, known.name)
        }
    }

    /// What AccessKeyAuthorizer puts on a request (project and security token included)
    /// carries the SDK's signature, and neither the secret key nor anything else secret
    /// but the security token, which it lists to redact.
    func testTheAuthorizerSendsTheSDKsSignature() throws {
        let fixture = try fixture()
        let date = try date(fixture.x_sdk_date)
        for known in fixture.cases where known.headers.isEmpty {
            let keys = AccessKeys(accessKey: fixture.access_key, secretKey: fixture.secret_key,
                                  securityToken: known.security_token)
            let authorizer = AccessKeyAuthorizer(provider: TestKeyProvider(keys), now: { date })
            let authorization = try authorizer.authorize(OutgoingRequest(method: known.method, url: known.url,
                                                                         projectID: known.project_id,
                                                                         body: Array(known.body.utf8)))
            var expected = ["X-Sdk-Date: \(fixture.x_sdk_date)"]
            if let project = known.project_id { expected.append("X-Project-Id: \(project)") }
            if let token = known.security_token { expected.append("X-Security-Token: \(token)") }
            expected.append("Authorization: \(known.authorization)")
            XCTAssertEqual(authorization.headers, expected, known.name)
            XCTAssertEqual(authorization.secrets, known.security_token.map { [$0] } ?? [], known.name)
            XCTAssertFalse(authorization.headers.joined().contains(fixture.secret_key), known.name)
            XCTAssertFalse(authorization.credential.contains(fixture.secret_key), known.name)
        }
    }
}
