import Foundation
import LogDumpEmulator
import XCTest

/// The ECS metadata credentials the SDK's MetadataCredentialProvider fetches: every fetch
/// mints a new temporary key, accepted with its security token until it expires.
final class EmulatorMetadataTests: XCTestCase {
    private var fixture: EmulatorFixture!
    private var emulator: Emulator { fixture.emulator }

    override func setUpWithError() throws {
        fixture = try EmulatorFixture(largePayloadBytes: 0) {
            $0.signing.requiresSignature = true
            $0.signing.temporaryKeyLifetimeSeconds = 60
        }
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private struct TemporaryKey {
        var access, secret, securityToken, expiresAt: String
    }

    private func fetchKey(_ headers: [String] = []) throws -> TemporaryKey {
        let r = try fixture.curl([emulator.endpoint + "/openstack/latest/securitykey"] + headers)
        XCTAssertEqual(r.status, 200, r.errorMessage)
        let credential = try XCTUnwrap(r.json?["credential"] as? [String: String], "\(r.json ?? [:])")
        return TemporaryKey(access: try XCTUnwrap(credential["access"]), secret: try XCTUnwrap(credential["secret"]),
                            securityToken: try XCTUnwrap(credential["securitytoken"]),
                            expiresAt: try XCTUnwrap(credential["expires_at"]))
    }

    /// A download of the small export signed with `key` at the emulator's clock now.
    private func download(_ key: TemporaryKey, securityToken: String?? = .none) throws -> CurlResult {
        let e = fixture.small.spec
        let uri = "/v1/\(e.projectID)/physicalservers/\(e.serverID)/logs/exports/\(e.exportID)/content"
        let now = Date().addingTimeInterval(TimeInterval(emulator.signing.clockOffsetSeconds))
        var headers = [("Host", "127.0.0.1:\(emulator.port)"), ("X-Sdk-Date", SignedRequestFixture.sdkDate(now)),
                       ("X-Project-Id", e.projectID)]
        if let token = securityToken ?? key.securityToken { headers.append(("X-Security-Token", token)) }
        let authorization = SDKSigning.authorization(method: "GET", uri: uri, headers: headers, body: [],
                                                     accessKey: key.access, secretKey: key.secret)
        return try fixture.curl([emulator.endpoint + uri] + (headers + [("Authorization", authorization)])
            .flatMap { ["-H", "\($0.0): \($0.1)"] })
    }

    private func assertRefused(_ r: CurlResult, saying text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 401, file: file, line: line)
        XCTAssertEqual(r.errorCode, "APIGW.0301", file: file, line: line)
        XCTAssertTrue(r.errorMessage.contains(text), "\(r.errorMessage) does not say \(text)", file: file, line: line)
    }

    func testEachFetchMintsANewKeyInTheSDKsShape() throws {
        let before = Date()
        let first = try fetchKey(), second = try fetchKey()
        XCTAssertNotEqual(first.access, second.access)
        XCTAssertNotEqual(first.secret, second.secret)
        XCTAssertNotEqual(first.securityToken, second.securityToken)
        XCTAssertEqual(first.access.count, 20)
        // The SDK parses expires_at with "%Y-%m-%dT%H:%M:%S.%fZ".
        XCTAssertNotNil(first.expiresAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"#, options: .regularExpression),
                        first.expiresAt)
        let expiry = try XCTUnwrap(ISO8601DateFormatter().date(from: String(first.expiresAt.prefix(19)) + "Z"))
        XCTAssertEqual(expiry.timeIntervalSince(before), 60, accuracy: 30)
        XCTAssertEqual(try download(first).status, 200)
        XCTAssertEqual(try download(second).status, 200, "a new key does not revoke the older one")
        XCTAssertEqual(emulator.metadataRequestCount, 2)
    }

    func testTheSessionTokenStep() throws {
        let put = try fixture.curl([emulator.endpoint + "/meta-data/latest/api/token", "-X", "PUT",
                                    "-H", "X-Metadata-Token-Ttl-Seconds: 21600"])
        XCTAssertEqual(put.status, 200, put.errorMessage)
        let token = String(decoding: put.body, as: UTF8.self)
        XCTAssertFalse(token.isEmpty)
        XCTAssertEqual(try download(try fetchKey(["-H", "X-Metadata-Token: \(token)"])).status, 200)

        let stale = try fixture.curl([emulator.endpoint + "/openstack/latest/securitykey", "-H", "X-Metadata-Token: stale"])
        XCTAssertEqual(stale.status, 401, "the SDK then fetches a new session token and asks again")
        XCTAssertFalse(stale.errorMessage.contains("Please configure Cloud Service Agency first"))
        let noTTL = try fixture.curl([emulator.endpoint + "/meta-data/latest/api/token", "-X", "PUT"])
        XCTAssertEqual(noTTL.status, 400)
        XCTAssertTrue(noTTL.errorMessage.contains("X-Metadata-Token-Ttl-Seconds"), noTTL.errorMessage)
    }

    func testATemporaryKeyNeedsItsOwnSecurityToken() throws {
        let key = try fetchKey(), other = try fetchKey()
        assertRefused(try download(key, securityToken: .some(nil)),
                      saying: "x-security-token not found: the temporary access key \(key.access) needs its security token")
        assertRefused(try download(key, securityToken: other.securityToken),
                      saying: "x-security-token does not belong to the temporary access key \(key.access)")
        var wrongSecret = key
        wrongSecret.secret = other.secret
        assertRefused(try download(wrongSecret), saying: "verify aksk signature fail")
    }

    func testATemporaryKeyIsRefusedOnceItHasExpired() throws {
        let key = try fetchKey()
        XCTAssertEqual(try download(key).status, 200)
        var later = emulator.signing
        later.clockOffsetSeconds += 61
        emulator.setSigning(later)
        assertRefused(try download(key), saying: "the temporary access key \(key.access) expired at \(key.expiresAt)")
        XCTAssertEqual(try download(try fetchKey()).status, 200, "a new fetch brings a working key")
    }

    func testShortLivedKeysExpireOnTheRealClock() throws {
        var short = emulator.signing
        short.temporaryKeyLifetimeSeconds = 1
        emulator.setSigning(short)
        let key = try fetchKey()
        let expiry = try XCTUnwrap(ISO8601DateFormatter().date(from: String(key.expiresAt.prefix(19)) + "Z"))
        Thread.sleep(until: expiry.addingTimeInterval(1.1))
        assertRefused(try download(key), saying: "expired at")
    }
}
