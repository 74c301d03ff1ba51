import Foundation
import XCTest

/// A token rejected mid-mount is renewed and the read goes on: no remount, no failed read.
final class TokenRenewalMountTests: MountTestCase {
    func testReadsGoOnAfterTheTokenIsRenewedByItsCommand() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let tokenFile = "\(harness.directory)/token"
        let runs = "\(harness.directory)/runs"
        try "expired-token-2b8f\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: ["--token-command", "echo run >> \(runs); cat \(tokenFile)"])
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)

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
        try "expired-token-2b8f\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try harness.mount(token: "unused", extraArguments: ["--token-file", tokenFile])
        try "\(MountHarness.goodToken)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)

        for export in harness.exports.prefix(2) {
            let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], timeout: 30))
            XCTAssertEqual(result.stdout, try export.bytes())
        }
        XCTAssertFalse(harness.daemonOutput().contains(MountHarness.goodToken), harness.daemonOutput())
    }
}
