import Foundation
import LogDumpEmulator
import XCTest

/// Requests signed by Huawei's own SDK (huaweicloudsdkcore) at a fixed X-Sdk-Date:
/// Tests/Fixtures/signing/emulator-requests.json, written by scripts/oracle/emulator-requests.py.
struct SignedRequestFixture: Decodable {
    struct Request: Decodable {
        var name: String
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String
    }

    var sdk: String
    var x_sdk_date: String
    var access_keys: [String: String]
    var requests: [Request]

    static func load() throws -> SignedRequestFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/signing/emulator-requests.json")
        return try JSONDecoder().decode(SignedRequestFixture.self, from: Data(contentsOf: path))
    }

    func request(_ name: String) throws -> Request {
        try XCTUnwrap(requests.first { $0.name == name }, "no request \(name) in the fixture")
    }

    /// When the SDK signed them.
    var signedAt: Date { Self.date(sdk: x_sdk_date)! }

    /// The clock offset that puts the emulator at the signing date (plus `seconds`).
    func clockOffset(plus seconds: Int = 0) -> Int { Int(signedAt.timeIntervalSinceNow.rounded()) + seconds }

    /// `20260115T083000Z` → a date.
    static func date(sdk text: String) -> Date? { utcFormatter("yyyyMMdd'T'HHmmss'Z'").date(from: text) }

    static func sdkDate(_ date: Date) -> String { utcFormatter("yyyyMMdd'T'HHmmss'Z'").string(from: date) }

    /// `Thu, 03 Dec 2026 19:54:22 GMT` → a date.
    static func date(http text: String) -> Date? { utcFormatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'").date(from: text) }

    private static func utcFormatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }
}

extension EmulatorFixture {
    /// Sends `request` as it is (every header, the Host the SDK signed included, the exact
    /// URI and body) to this emulator, with curl.
    func send(_ request: SignedRequestFixture.Request) throws -> CurlResult {
        var args = [emulator.endpoint + request.uri, "-X", request.method, "--globoff"]
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { args += ["-H", "\(name): \(value)"] }
        if !request.body.isEmpty { args += ["--data-binary", request.body, "-H", "Expect:"] }
        return try curl(args)
    }
}

extension CurlResult {
    var errorCode: String? { json?["error_code"] as? String }
    var errorMessage: String { json?["error_msg"] as? String ?? String(decoding: body, as: UTF8.self) }
}
