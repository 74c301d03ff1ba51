import Foundation
import LogDumpEmulator
import XCTest

/// Mounts that sign every request with AK/SK, against an emulator that requires
/// signatures (tokens refused): exact reads, a wrong secret refused at once, and
/// temporary keys from the metadata service renewed in the middle of a copy.
final class AccessKeyMountTests: MountTestCase {
    private let accessKey = "HPUAKMOUNTTEST0001"
    private let secretKey = "sk-mount-test-7f3a9c0e"

    private func signingHarness(keyLifetime: Int = 900, bandwidth: Int? = nil) throws -> MountHarness {
        let harness = try makeHarness { config in
            config.signing.accessKeys = [self.accessKey: self.secretKey]
            config.signing.requiresSignature = true
            config.signing.temporaryKeyLifetimeSeconds = keyLifetime
            config.faults.bandwidthBytesPerSecond = bandwidth
        }
        try harness.writeManifest()
        return harness
    }

    private func keysEnvironment(secret: String) -> [String: String] {
        ["PATH": ToolRunner.searchPath, "HUAWEICLOUD_SDK_AK": accessKey, "HUAWEICLOUD_SDK_SK": secret]
    }

    func testReadsThroughSignedRequestsAreExact() throws {
        let harness = try signingHarness()
        try harness.mount(extraArguments: ["--verbose"], environment: keysEnvironment(secret: secretKey))
        for export in harness.exports {
            let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
            XCTAssertEqual(result.stdout, try export.bytes(), export.mountRelativePath)
        }
        let output = harness.daemonOutput()
        XCTAssertTrue(output.contains("credentials: access key \"\(accessKey)\""), output)
        XCTAssertFalse(output.contains(secretKey), output)
        XCTAssertEqual(harness.emulator.statusCounts[401] ?? 0, 0)
    }

    /// A wrong SK is the server's 401 on the first read: EACCES with the gateway's
    /// message in the log, no retries (well inside the retry policy's minutes).
    func testAWrongSecretKeyIsRefusedAtOnceWithTheServersMessage() throws {
        let harness = try signingHarness()
        let wrongSecret = "sk-wrong-0000"
        try harness.mount(environment: keysEnvironment(secret: wrongSecret))
        let export = harness.exports[0]
        let result = harness.tools.run("cat", [harness.mounted(export)], timeout: 60)
        assertFails(result, saying: "Permission denied", within: 20)
        let output = harness.daemonOutput()
        XCTAssertTrue(output.contains("verify aksk signature fail"), output)
        XCTAssertFalse(output.contains(wrongSecret), output)
        XCTAssertLessThanOrEqual(harness.emulator.statusCounts[401] ?? 0, 4, "the refusal was retried")
    }

    /// Keys of 3 seconds, a copy of about 8: the keys in use expire during the copy and
    /// are renewed from the metadata service; the copy completes with exact bytes.
    func testTemporaryKeysExpiringMidCopyAreRenewed() throws {
        let export = try Fixture.big
        let harness = try signingHarness(keyLifetime: 3, bandwidth: export.size / 12)
        try harness.mount(extraArguments: ["--metadata-endpoint", harness.emulator.endpoint, "--block-size", "64K",
                                           "--cache-size", "0", "--memory-limit", "1M", "--max-connections", "2"],
                          environment: ["PATH": ToolRunner.searchPath])
        let copy = "\(harness.directory)/copy"
        let started = Date()
        assertSucceeds(harness.tools.run("cp", [harness.mounted(export), copy], timeout: 120))
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copy)), try export.bytes())
        XCTAssertGreaterThan(elapsed, 3, "the copy ended before the first keys expired: it proves nothing")
        XCTAssertGreaterThanOrEqual(harness.emulator.metadataRequestCount, 3, "keys were not renewed")
        let output = harness.daemonOutput()
        XCTAssertTrue(output.contains("temporary access keys from"), output)
    }
}
