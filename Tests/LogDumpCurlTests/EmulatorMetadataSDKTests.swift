import Foundation
import LogDumpEmulator
import XCTest

/// Huawei's own SDK (huaweicloudsdkcore, in the venv scripts/setup installs as
/// .build-oracle) fetches temporary credentials from the emulator's metadata endpoint
/// with its MetadataCredentialProvider and signs with them: the emulator accepts that.
/// Skipped, saying so, when the venv cannot import the SDK.
final class EmulatorMetadataSDKTests: XCTestCase {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    private static let python = repository.appendingPathComponent(".build-oracle/bin/python").path
    private static let script = repository.appendingPathComponent("scripts/oracle/emulator-metadata.py").path

    private var fixture: EmulatorFixture!

    override func setUpWithError() throws {
        let (status, output) = try Self.runPython(["-c", "import huaweicloudsdkcore.auth.provider"])
        if status != 0 {
            throw XCTSkip("the SDK oracle is missing: \(Self.python) cannot import huaweicloudsdkcore "
                          + "(run scripts/setup to install it): \(output)")
        }
        fixture = try EmulatorFixture(largePayloadBytes: 0) {
            $0.signing.requiresSignature = true
            $0.signing.temporaryKeyLifetimeSeconds = 600
        }
    }

    override func tearDownWithError() throws {
        fixture?.close()
        fixture = nil
    }

    private struct SDKAnswer: Decodable {
        var access: String
        var expires_at: Double
        var request: SignedRequestFixture.Request
    }

    /// The SDK's credentials from the metadata endpoint, and a download it signed with them.
    private func sdkSignedDownload() throws -> SDKAnswer {
        let e = fixture.small.spec
        let path = "/v1/\(e.projectID)/physicalservers/\(e.serverID)/logs/exports/\(e.exportID)/content"
        let (status, output) = try Self.runPython([Self.script, fixture.emulator.endpoint,
                                                   "127.0.0.1:\(fixture.emulator.port)", path, e.projectID])
        XCTAssertEqual(status, 0, output)
        return try JSONDecoder().decode(SDKAnswer.self, from: Data(output.utf8))
    }

    func testTheSDKsMetadataProviderGetsKeysThatSign() throws {
        let first = try sdkSignedDownload()
        XCTAssertEqual(first.request.headers["X-Security-Token"]?.isEmpty, false, "the SDK sends the security token")
        XCTAssertEqual(first.expires_at, Date().addingTimeInterval(600).timeIntervalSince1970, accuracy: 120,
                       "the SDK read expires_at")
        let r = try fixture.send(first.request)
        XCTAssertEqual(r.status, 200, r.errorMessage)
        XCTAssertEqual(r.body, try fixture.data(fixture.small))

        let second = try sdkSignedDownload()
        XCTAssertNotEqual(first.access, second.access, "each fetch mints a new key")
        XCTAssertEqual(try fixture.send(second.request).status, 200)
        XCTAssertGreaterThanOrEqual(fixture.emulator.metadataRequestCount, 2)
    }

    /// Runs the venv's python; its exit status and what it wrote (output, then errors).
    private static func runPython(_ arguments: [String]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: python) else { return (127, "no \(python)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        (process.standardOutput, process.standardError) = (out, err)
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output + errors, as: UTF8.self))
    }
}
