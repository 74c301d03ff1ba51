import Foundation
@testable import LogDump
import XCTest

/// The metadata service's securitykey answer, in each spelling the SDK accepts.
final class MetadataKeysTests: XCTestCase {
    private let now = Timestamp(seconds: 1_800_000_000)

    func testTheServicesOwnShape() throws {
        let body = #"{"credential":{"access":"AK","secret":"SK","securitytoken":"ST","expires_at":"2027-01-15T08:30:00.000000Z"}}"#
        let issued = try MetadataKeys.parse(Array(body.utf8), now: now)
        XCTAssertEqual(issued.value, AccessKeys(accessKey: "AK", secretKey: "SK", securityToken: "ST",
                                                expiresAt: Date(timeIntervalSince1970: 1_800_001_800)))
        XCTAssertEqual(issued.lifetime, .seconds(1800))
    }

    func testOtherSpellings() throws {
        for body in [#"{"credentials":{"accessKeyId":"AK","secretAccessKey":"SK","securityToken":"ST","expiration":"2027-01-15T08:30:00Z"}}"#,
                     #"{"access_key_id":"AK","secret_access_key":"SK","security_token":"ST","expires_at":"2027-01-15T08:30:00Z"}"#] {
            let keys = try MetadataKeys.parse(Array(body.utf8), now: now).value
            XCTAssertEqual([keys.accessKey, keys.secretKey, keys.securityToken], ["AK", "SK", "ST"], body)
        }
    }

    /// Errors say what is wrong and never quote the keys.
    func testBadAnswers() {
        let cases: [(String, String)] = [
            ("not json SK-hidden", "is not a JSON object"),
            (#"{"credential":{"access":"AK","secret":"SK-hidden","securitytoken":"ST","expires_at":"soon"}}"#, "\"soon\" is not an RFC 3339 time"),
            (#"{"credential":{"access":"AK","secret":"SK-hidden","securitytoken":"ST","expires_at":"2027-01-15T07:00:00Z"}}"#, "expired already"),
            (#"{"credential":{"access":"AK","secret":"SK-hid\nden","securitytoken":"ST","expires_at":"2027-01-15T09:00:00Z"}}"#, "cannot be sent in a header"),
        ]
        for (body, phrase) in cases {
            XCTAssertThrowsError(try MetadataKeys.parse(Array(body.utf8), now: now)) { error in
                XCTAssertTrue("\(error)".contains(phrase), "expected \"\(phrase)\", got \"\(error)\"")
                XCTAssertFalse("\(error)".contains("SK-hid"), "\(error)")
            }
        }
    }
}
