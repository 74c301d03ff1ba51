import Foundation
import XCTest

/// `logdumpfs mount` refuses bad input at once, with a clear sentence and a non-zero status.
final class CommandLineTests: MountTestCase {
    private var harness: MountHarness!
    private var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        harness = try makeHarness()
        try harness.writeManifest()
        binary = try MountHarness.binaryPath()
    }

    /// Runs the binary with only PATH (and the token when `token` is set) in its environment.
    private func run(_ arguments: [String], token: String? = MountHarness.goodToken) -> ToolResult {
        var environment = ["PATH": ToolRunner.searchPath]
        if let token { environment["LOGDUMPFS_TOKEN"] = token }
        let result = harness.tools.run(binary, arguments, environment: environment, timeout: 15)
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "a refused command left a mount")
        return result
    }

    private func assertRefused(_ arguments: [String], token: String? = MountHarness.goodToken, saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        let result = run(arguments, token: token)
        XCTAssertFalse(result.timedOut, "\(result)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertTrue((result.stderr + result.stdoutText).contains(phrase), "expected \"\(phrase)\": \(result)", file: file, line: line)
        XCTAssertLessThan(result.elapsed, 5, "\(result)", file: file, line: line)
    }

    func testMissingManifest() {
        assertRefused(["mount", "\(harness.directory)/nope.json", harness.mountpoint], saying: "nope.json: cannot read")
    }

    func testManifestWithUnknownField() throws {
        let bad = "\(harness.directory)/bad.json"
        try #"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e", "colour": "red"}]}"#
            .write(toFile: bad, atomically: true, encoding: .utf8)
        assertRefused(["mount", bad, harness.mountpoint], saying: "field \"colour\": unknown field")
    }

    func testManifestNotJSON() throws {
        let bad = "\(harness.directory)/bad.json"
        try "{\"exports\": [".write(toFile: bad, atomically: true, encoding: .utf8)
        assertRefused(["mount", bad, harness.mountpoint], saying: "invalid JSON")
    }

    func testMountpointMissing() {
        assertRefused(["mount", harness.manifestPath, "\(harness.directory)/nodir"], saying: "No such file or directory")
    }

    func testMountpointNotADirectory() {
        assertRefused(["mount", harness.manifestPath, harness.manifestPath], saying: "is not a directory")
    }

    func testMountpointNotEmpty() throws {
        try "x".write(toFile: "\(harness.mountpoint)/stray", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "\(harness.mountpoint)/stray") }
        assertRefused(["mount", harness.manifestPath, harness.mountpoint], saying: "not empty")
    }

    func testNoToken() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint], token: nil, saying: "no token")
    }

    func testEmptyTokenFile() throws {
        let tokenFile = "\(harness.directory)/token"
        try "\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--token-file", tokenFile], token: nil,
                      saying: "is empty")
    }

    func testBadBlockSize() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--block-size", "1K"],
                      saying: "--block-size 1K: give a size from 4K to 64M")
    }

    func testBadMountOption() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "-o", "colour=red"], saying: "colour")
    }

    func testHelp() {
        for arguments in [["--help"], ["mount", "--help"]] {
            let result = run(arguments)
            XCTAssertEqual(result.status, 0, "\(result)")
            XCTAssertTrue(result.stdoutText.contains("USAGE"), "\(result)")
            XCTAssertTrue(result.stdoutText.contains("OVERVIEW"), "\(result)")
        }
        XCTAssertTrue(run(["mount", "--help"]).stdoutText.contains("LOGDUMPFS_TOKEN"))
    }
}
