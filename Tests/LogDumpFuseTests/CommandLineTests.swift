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

    /// Runs the binary with only PATH (and the token when `token` is set, and `extra`) in
    /// its environment.
    private func run(_ arguments: [String], token: String? = MountHarness.goodToken,
                     extra: [String: String] = [:]) -> ToolResult {
        var environment = ["PATH": ToolRunner.searchPath].merging(extra) { $1 }
        if let token { environment["LOGDUMPFS_TOKEN"] = token }
        let result = harness.tools.run(binary, arguments, environment: environment, timeout: 15)
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "a refused command left a mount")
        return result
    }

    @discardableResult
    private func assertRefused(_ arguments: [String], token: String? = MountHarness.goodToken,
                               extra: [String: String] = [:], saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) -> ToolResult {
        let result = run(arguments, token: token, extra: extra)
        XCTAssertFalse(result.timedOut, "\(result)", file: file, line: line)
        XCTAssertNotEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertTrue((result.stderr + result.stdoutText).contains(phrase), "expected \"\(phrase)\": \(result)", file: file, line: line)
        XCTAssertLessThan(result.elapsed, 5, "\(result)", file: file, line: line)
        return result
    }

    func testMissingManifest() {
        assertRefused(["mount", "\(harness.directory)/nope.json", harness.mountpoint], saying: "nope.json: cannot read")
    }

    func testManifestWithUnknownField() throws {
        let bad = "\(harness.directory)/bad.json"
        try #"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e", "colour": "red"}]}"#
            .write(toFile: bad, atomically: false, encoding: .utf8)
        assertRefused(["mount", bad, harness.mountpoint], saying: "field \"colour\": unknown field")
    }

    /// A manifest's text is quoted cut and escaped: one short line, whatever the file holds.
    func testHugeManifestKeyGivesAShortError() throws {
        let bad = "\(harness.directory)/bad.json"
        let key = String(repeating: "k", count: 100_000)
        try #"{"exports": [{"project_id": "p", "server_id": "s", "export_id": "e", "\#(key)": 1}]}"#
            .write(toFile: bad, atomically: false, encoding: .utf8)
        let result = assertRefused(["mount", bad, harness.mountpoint], saying: "more bytes)")
        XCTAssertLessThan(result.stderr.utf8.count + result.stdout.count, 1000, String(result.stderr.prefix(500)))
    }

    func testPasswordInAnEndpointURLIsNeverShown() throws {
        let bad = "\(harness.directory)/bad.json"
        try #"{"endpoint": "https://backup:hunter2@clouddc.example.com", "exports": []}"#
            .write(toFile: bad, atomically: false, encoding: .utf8)
        let manifest = assertRefused(["mount", bad, harness.mountpoint], saying: "\"https://***@clouddc.example.com\"")
        let iam = assertRefused(["mount", harness.manifestPath, harness.mountpoint,
                                 "--iam-endpoint", "https://backup:hunter2@iam.example.com", "--iam-user", "u",
                                 "--iam-domain", "d", "--iam-project", "p"],
                                extra: ["LOGDUMPFS_IAM_PASSWORD": "pw"], saying: "--iam-endpoint https://***@iam.example.com")
        for result in [manifest, iam] {
            XCTAssertFalse((result.stderr + result.stdoutText).contains("hunter2"), "\(result)")
        }
    }

    func testManifestNotJSON() throws {
        let bad = "\(harness.directory)/bad.json"
        try "{\"exports\": [".write(toFile: bad, atomically: false, encoding: .utf8)
        assertRefused(["mount", bad, harness.mountpoint], saying: "invalid JSON")
    }

    /// An endless file is refused at once, not read until memory runs out.
    func testEndlessManifest() {
        let sentence = "/dev/zero: must be a regular file, not a character device"
        assertRefused(["check", "/dev/zero"], saying: sentence)
        assertRefused(["mount", "/dev/zero", harness.mountpoint], saying: sentence)
    }

    func testMountpointMissing() {
        assertRefused(["mount", harness.manifestPath, "\(harness.directory)/nodir"], saying: "No such file or directory")
    }

    func testMountpointNotADirectory() {
        assertRefused(["mount", harness.manifestPath, harness.manifestPath], saying: "is not a directory")
    }

    func testMountpointNotEmpty() throws {
        try "x".write(toFile: "\(harness.mountpoint)/stray", atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "\(harness.mountpoint)/stray") }
        assertRefused(["mount", harness.manifestPath, harness.mountpoint], saying: "not empty")
    }

    func testNoToken() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint], token: nil,
                      extra: ["HOME": harness.directory, "LOGDUMPFS_METADATA_ENDPOINT": "http://127.0.0.1:1"],
                      saying: "no credentials")
    }

    func testEmptyTokenFile() throws {
        let tokenFile = "\(harness.directory)/token"
        try "\n".write(toFile: tokenFile, atomically: false, encoding: .utf8)
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
        let help = run(["mount", "--help"]).stdoutText
        for phrase in ["LOGDUMPFS_TOKEN", "--token-file", "--token-command", "--iam-endpoint", "--iam-user",
                       "--iam-domain", "--iam-project", "--iam-password-file", "LOGDUMPFS_IAM_PASSWORD"] {
            XCTAssertTrue(help.contains(phrase), "mount --help does not mention \(phrase)")
        }
    }

    func testOneTokenSourceOnly() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--token-file", "/t", "--token-command", "c"],
                      saying: "give one token source, not several: --token-file and --token-command")
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--token-command", "c", "--iam-user", "u"],
                      saying: "give one token source, not several: --token-command and --iam-user")
    }

    func testIncompleteIAMFlags() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--iam-endpoint", "https://iam.example.com",
                       "--iam-user", "u", "--iam-project", "p"],
                      saying: "IAM login needs --iam-domain and a password (--iam-password-file FILE or LOGDUMPFS_IAM_PASSWORD) too")
    }

    func testFailingTokenCommandStopsTheMount() {
        let result = assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--token-command",
                                    "printf 'SECRET-%s' OUT; echo 'vault: sealed' >&2; exit 4"],
                                   saying: "exited with status 4: vault: sealed")
        XCTAssertFalse((result.stderr + result.stdoutText).contains("SECRET-OUT"), "\(result)")
    }

    func testMissingTokenFileStopsTheMount() {
        assertRefused(["mount", harness.manifestPath, harness.mountpoint, "--token-file", "\(harness.directory)/gone"],
                      token: nil, saying: "token file \(harness.directory)/gone cannot be read: No such file or directory")
    }

    /// IAM's refusal stops the mount with what IAM said, and never shows the password.
    /// The harness's emulator has no IAM user, so it refuses every login.
    func testIAMRefusalStopsTheMount() throws {
        let password = "pw-7d1e0c2b"
        let passwordFile = "\(harness.directory)/password"
        try "\(password)\n".write(toFile: passwordFile, atomically: false, encoding: .utf8)
        let iam = ["--iam-endpoint", harness.emulator.endpoint, "--iam-user", "u", "--iam-domain", "d",
                   "--iam-project", "p"]
        for (flags, extra) in [(["--iam-password-file", passwordFile], [:]), ([], ["LOGDUMPFS_IAM_PASSWORD": password])] {
            let result = assertRefused(["mount", harness.manifestPath, harness.mountpoint] + iam + flags, extra: extra,
                                       saying: "IAM login as IAM user \"u\" of domain \"d\", project \"p\" at \(harness.emulator.endpoint) failed: HTTP 401 IAM.0001: The username or password is wrong.")
            XCTAssertFalse((result.stderr + result.stdoutText).contains(password), "\(result)")
        }
        assertRefused(["mount", harness.manifestPath, harness.mountpoint] + iam + ["--iam-password-file", "\(harness.directory)/nope"],
                      saying: "--iam-password-file \(harness.directory)/nope: cannot read it")
    }
}
