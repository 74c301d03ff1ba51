import Foundation
import LogDumpEmulator
import XCTest

/// A token rejected mid-mount is renewed and the read goes on: no remount, no failed read.
final class TokenRenewalMountTests: MountTestCase {
    func testReadsGoOnAfterTheTokenIsRenewedByItsCommand() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let tokenFile = "\(harness.directory)/token"
        let runs = "\(harness.directory)/runs"
        try "expired-token-2b8f\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: ["--token-command", "echo run >> \(runs); cat \(tokenFile)"])
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)

        let export = harness.exports[0]
        let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
        XCTAssertEqual(result.stdout, try export.bytes())
        XCTAssertEqual(try String(contentsOfFile: runs, encoding: .utf8), "run\nrun\n", "the command ran once at start and once after the 401")
        let output = harness.daemonOutput()
        XCTAssertFalse(output.contains(MountHarness.goodToken) || output.contains("expired-token-2b8f"), output)
    }

    func testReadsGoOnAfterTheTokenFileIsRewritten() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let tokenFile = "\(harness.directory)/token"
        try "expired-token-2b8f\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: ["--token-file", tokenFile])
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)

        for export in harness.exports.prefix(2) {
            let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
            XCTAssertEqual(result.stdout, try export.bytes())
        }
        XCTAssertFalse(harness.daemonOutput().contains(MountHarness.goodToken), harness.daemonOutput())
    }

    /// Tokens of 3 seconds, reads for 8: each read fetches (O_DIRECT, a memory cache of a
    /// few blocks, no disk cache), so every token is used until renewed ahead of its end.
    func testReadsOutliveShortLivedIAMTokens() throws {
        let user = IAMUser(name: "backup", domain: "acme", password: "pw-\"9f3e")
        let harness = try makeHarness { config in
            config.iamUser = user
            config.faults.tokenLifetimeSeconds = 3
        }
        try harness.writeManifest()
        let passwordFile = "\(harness.directory)/password"
        try "\(user.password)\n".write(toFile: passwordFile, atomically: false, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: [
            "--iam-endpoint", harness.emulator.endpoint, "--iam-user", user.name, "--iam-domain", user.domain,
            "--iam-project", "cn-east-3", "--iam-password-file", passwordFile,
            "--cache-size", "0", "--memory-limit", "64K", "--block-size", "4K", "--max-connections", "2",
        ])
        let export = try Fixture.big  // larger than the memory cache: every read fetches
        let expected = try export.bytes()
        let started = Date()
        var reads = 0
        while Date().timeIntervalSince(started) < 8 {
            let result = assertSucceeds(harness.tools.run("dd", ["if=\(harness.mounted(export))", "iflag=direct", "bs=64k",
                                                                 "status=none"], timeout: 20))
            XCTAssertEqual(result.stdout, expected)
            reads += 1
            guard result.succeeded else { break }
        }
        XCTAssertGreaterThan(reads, 1)
        XCTAssertGreaterThanOrEqual(harness.emulator.iamRequestCount, 3, "tokens were not renewed")
        XCTAssertEqual(harness.emulator.statusCounts[401] ?? 0, 0, "a token was used past its end")
        XCTAssertFalse(harness.daemonOutput().contains(user.password), harness.daemonOutput())
    }
}
