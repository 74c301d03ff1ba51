import Foundation
import LogDumpEmulator
import XCTest

/// The emulator checks SDK-HMAC-SHA256 signatures with its own implementation: requests the
/// SDK itself signed (the fixture) are accepted when replayed over HTTP with the emulator's
/// clock at their date; any change to them is refused, in the API gateway's words.
final class EmulatorSignatureTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var signed: SignedRequestFixture!
    private var emulator: Emulator { fixture.emulator }

    override func setUpWithError() throws {
        signed = try SignedRequestFixture.load()
        let (keys, offset) = (signed.access_keys, signed.clockOffset())
        fixture = try EmulatorFixture(largePayloadBytes: 0) {
            $0.signing.accessKeys = keys
            $0.signing.requiresSignature = true
            $0.signing.clockOffsetSeconds = offset
        }
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private func setSigning(_ change: (inout SigningConfig) -> Void) {
        var config = emulator.signing
        change(&config)
        emulator.setSigning(config)
    }

    private func assertRefused(_ r: CurlResult, code: String = "APIGW.0301", saying text: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 401, r.errorMessage, file: file, line: line)
        XCTAssertEqual(r.errorCode, code, r.errorMessage, file: file, line: line)
        XCTAssertTrue(r.errorMessage.contains(text), "\(r.errorMessage) does not say \(text)", file: file, line: line)
    }

    func testRequestsTheSDKSignedAreAccepted() throws {
        XCTAssertEqual(signed.sdk, "huaweicloudsdkcore 3.1.219")
        let expected = ["download": 200, "list-servers-query": 200, "export-request-body": 202,
                        "status-security-token": 404, "odd-path": 404]
        XCTAssertEqual(Set(signed.requests.map(\.name)), Set(expected.keys))
        for request in signed.requests {
            let r = try fixture.send(request)
            XCTAssertEqual(r.status, expected[request.name], "\(request.name): \(r.errorMessage)")
            XCTAssertNotEqual(r.errorCode, "APIGW.0301", request.name)
        }
        XCTAssertEqual(try fixture.send(signed.request("download")).body, try fixture.data(fixture.small))
        var reordered = try signed.request("list-servers-query")
        reordered.uri = "/v1/proj1/physicalservers?marker=srv%20000~x&limit=20&manage_state=ready"
        XCTAssertEqual(try fixture.send(reordered).status, 200, "the query is signed in sorted order, whatever order it is sent in")
    }

    func testAChangedByteInPathQueryBodyOrSignatureIsRefused() throws {
        var path = try signed.request("download")
        path.uri = path.uri.replacingOccurrences(of: "exp-small", with: "exp-smalm")
        var query = try signed.request("list-servers-query")
        query.uri = query.uri.replacingOccurrences(of: "limit=20", with: "limit=21")
        var body = try signed.request("export-request-body")
        body.body = body.body.replacingOccurrences(of: "3", with: "4")
        var signature = try signed.request("status-security-token")
        let authorization = try XCTUnwrap(signature.headers["Authorization"])
        signature.headers["Authorization"] = String(authorization.dropLast()) + (authorization.last == "0" ? "1" : "0")
        for (request, shown) in [(path, "|/v1/proj1/physicalservers/srv-a/logs/exports/exp-smalm/content/|"),
                                 (query, "|limit=21&manage_state=ready&marker=srv%20000~x|"),
                                 (body, "|content-type;host;x-project-id;x-sdk-date|"),
                                 (signature, "|x-security-token:******|")] {
            let r = try fixture.send(request)
            assertRefused(r, saying: "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:")
            XCTAssertTrue(r.errorMessage.contains(shown), "\(request.name): \(r.errorMessage)")
            XCTAssertFalse(r.errorMessage.contains(signed.access_keys.values.first!), "the SK stays secret")
            XCTAssertFalse(r.errorMessage.contains("fixture-security-token"), "the security token stays secret")
        }
    }

    func testRequiredSignaturesRefuseTokens() throws {
        assertRefused(try fixture.get(fixture.small), saying: "X-Auth-Token is not accepted")
        let listing = try fixture.curl([emulator.endpoint + "/v1/proj1/physicalservers",
                                        "-H", "X-Auth-Token: \(EmulatorFixture.token)"])
        assertRefused(listing, saying: "X-Auth-Token is not accepted")

        setSigning { $0.requiresSignature = false }
        XCTAssertEqual(try fixture.get(fixture.small).status, 200, "a token, when signatures are not required")
        XCTAssertEqual(try fixture.send(signed.request("download")).status, 200, "or a signature")
        XCTAssertEqual(try fixture.curl([fixture.url(fixture.small), "-H", "X-Auth-Token: wrong"]).status, 401)
    }

    func testASkewedClockIsRefusedWithTheSkewMessage() throws {
        let request = try signed.request("download")
        setSigning { $0.clockOffsetSeconds = signed.clockOffset(plus: 14 * 60) }
        XCTAssertEqual(try fixture.send(request).status, 200, "within the 15 minutes the gateway allows")

        setSigning { $0.clockOffsetSeconds = signed.clockOffset(plus: 16 * 60) }
        let late = try fixture.send(request)
        assertRefused(late, code: "APIGW.0303", saying: "signature expired, signature time:\(signed.x_sdk_date),server time:")
        let serverDate = try XCTUnwrap(late.header("Date").flatMap(SignedRequestFixture.date(http:)), "\(late.headers)")
        XCTAssertEqual(serverDate.timeIntervalSince(signed.signedAt), 16 * 60, accuracy: 120,
                       "the Date header shows the emulator's clock")

        setSigning { $0.clockOffsetSeconds = signed.clockOffset(plus: -16 * 60) }
        assertRefused(try fixture.send(request), code: "APIGW.0303", saying: "signature expired")
        setSigning { $0.maxSkewSeconds = 20 * 60 }
        XCTAssertEqual(try fixture.send(request).status, 200, "the allowed skew is configurable")
    }

    func testUnknownKeysAndMissingSignedHeadersAreNamed() throws {
        setSigning { $0.accessKeys = ["OTHERAK": "other secret"] }
        assertRefused(try fixture.send(signed.request("download")),
                      saying: "Get secretKey failed,ak:EMUFIXTUREAK0000001,err:ak not exist")
        setSigning { $0.accessKeys = signed.access_keys }

        var unsignedDate = try signed.request("download")
        unsignedDate.headers["Authorization"] = unsignedDate.headers["Authorization"]!
            .replacingOccurrences(of: "SignedHeaders=host;x-project-id;x-sdk-date", with: "SignedHeaders=host;x-project-id")
        assertRefused(try fixture.send(unsignedDate), saying: "signed header x-sdk-date not found in SignedHeaders")

        var absent = try signed.request("download")
        absent.headers["X-Project-Id"] = nil
        assertRefused(try fixture.send(absent), saying: "signed header x-project-id not found in the request")

        var unsignedToken = try signed.request("download")
        unsignedToken.headers["X-Security-Token"] = "slipped in"
        assertRefused(try fixture.send(unsignedToken), saying: "signed header x-security-token not found in SignedHeaders")

        var badDate = try signed.request("download")
        badDate.headers["X-Sdk-Date"] = "2026-01-15T08:30:00Z"
        assertRefused(try fixture.send(badDate), saying: "is not in the form YYYYMMDDTHHMMSSZ")

        var malformed = try signed.request("download")
        malformed.headers["Authorization"] = "SDK-HMAC-SHA256 Access=EMUFIXTUREAK0000001"
        assertRefused(try fixture.send(malformed), saying: "Authorization header malformed")
    }

    func testEveryAnswerCarriesADateHeader() throws {
        let answers = [try fixture.send(signed.request("download")),
                       try fixture.get(fixture.small),
                       try fixture.curl([emulator.endpoint + "/nowhere"]),
                       try fixture.admin("GET", "stats"),
                       try fixture.curl([emulator.endpoint + "/openstack/latest/securitykey"])]
        XCTAssertEqual(answers.map(\.status), [200, 401, 404, 200, 200])
        for r in answers {
            let date = try XCTUnwrap(r.header("Date").flatMap(SignedRequestFixture.date(http:)), "\(r.status): \(r.headers)")
            XCTAssertEqual(date.timeIntervalSince(signed.signedAt), 0, accuracy: 120, "on the emulator's clock")
        }
    }

    func testTheSigningConfigIsSetOverHTTP() throws {
        let put = try fixture.admin("PUT", "auth", body: #"{"access_keys": {"AK1": "sk one"}, "require_signature": false, "#
                                    + #""clock_offset_seconds": -30, "temporary_key_lifetime_seconds": 5}"#)
        XCTAssertEqual(put.status, 200, put.errorMessage)
        XCTAssertEqual(emulator.signing.accessKeys, ["AK1": "sk one"])
        XCTAssertFalse(emulator.signing.requiresSignature)
        XCTAssertEqual(emulator.signing.clockOffsetSeconds, -30)
        XCTAssertEqual(emulator.signing.maxSkewSeconds, 900, "absent keys take their defaults")
        XCTAssertEqual(emulator.signing.temporaryKeyLifetimeSeconds, 5)
        let shown = try fixture.admin("GET", "auth")
        XCTAssertEqual(shown.json?["access_keys"] as? [String: String], ["AK1": "******"], "secret keys are not shown")
        XCTAssertFalse(String(decoding: shown.body, as: UTF8.self).contains("sk one"))

        for (body, problem) in [(#"{"access_key": {}}"#, #"unknown key "access_key""#),
                                (#"{"access_keys": {"A,K": "x"}}"#, "access_keys: \"A,K\" is not"),
                                (#"{"access_keys": {"AK": ""}}"#, "the secret key is empty"),
                                (#"{"temporary_key_lifetime_seconds": 0}"#, "temporary_key_lifetime_seconds: 0"),
                                (#"{"max_skew_seconds": -1}"#, "max_skew_seconds: -1 is negative")] {
            let r = try fixture.admin("PUT", "auth", body: body)
            XCTAssertEqual(r.status, 400, body)
            XCTAssertTrue(r.errorMessage.contains(problem), "\(body): \(r.errorMessage)")
        }
        XCTAssertEqual(emulator.signing.accessKeys, ["AK1": "sk one"], "a refused config changes nothing")
    }
}
