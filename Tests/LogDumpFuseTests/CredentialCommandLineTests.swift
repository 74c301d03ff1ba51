import Foundation
import LogDumpTestSupport
import XCTest

/// The credential flags through the real binary: which source is chosen and said so, the
/// conflicts and missing pieces named, a loose secrets file warned about once, and no
/// secret ever printed. The environment holds only what each test gives (HOME is the
/// test's directory: never the real ~).
final class CredentialCommandLineTests: MountTestCase {
    private var harness: MountHarness!
    private var binary = ""
    /// A manifest without exports: `check --probe` gets its credentials and sends nothing.
    private var emptyManifest = ""
    private let secret = "sk-5ecret-e7a1"

    override func setUpWithError() throws {
        try super.setUpWithError()
        harness = try makeHarness()
        try harness.writeManifest()
        binary = try MountHarness.binaryPath()
        emptyManifest = "\(harness.directory)/empty.json"
        try #"{"exports": []}"#.write(toFile: emptyManifest, atomically: false, encoding: .utf8)
    }

    private func run(_ arguments: [String], _ environment: [String: String] = [:]) -> ToolResult {
        let base = ["PATH": ToolRunner.searchPath, "HOME": harness.directory,
                    "LOGDUMPFS_METADATA_ENDPOINT": "http://127.0.0.1:1"]
        let result = harness.tools.run(binary, arguments, environment: base.merging(environment) { $1 }, timeout: 20)
        XCTAssertFalse(result.timedOut, "\(result)")
        XCTAssertFalse((result.stderr + result.stdoutText).contains(secret), "the secret key was shown: \(result)")
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "a refused command left a mount")
        return result
    }

    @discardableResult
    private func assertRefused(_ arguments: [String], _ environment: [String: String] = [:], saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) -> ToolResult {
        let result = run(arguments, environment)
        XCTAssertNotEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(phrase), "expected \"\(phrase)\": \(result)", file: file, line: line)
        XCTAssertLessThan(result.elapsed, 10, "\(result)", file: file, line: line)
        return result
    }

    private func mount(_ extra: [String] = []) -> [String] { ["mount", harness.manifestPath, harness.mountpoint] + extra }

    private func keyFile(mode: mode_t = 0o600) throws -> String {
        let path = "\(harness.directory)/keys"
        try "# logdumpfs keys\nak = AKFILE01\nsk = \(secret)\n".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode)
        return path
    }

    func testNothingGivenListsEverySourceLookedAt() {
        let result = assertRefused(mount(), saying: "no credentials: looked for a token (--token-file, --token-command, "
                                   + "--iam-* or LOGDUMPFS_TOKEN), --ak-sk-file and --credentials-profile, "
                                   + "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, "
                                   + "\(harness.directory)/.huaweicloud/credentials (does not exist), "
                                   + "and asked the instance metadata service at http://127.0.0.1:1 (network error")
        XCTAssertTrue(result.stderr.contains("see --help"), "\(result)")
    }

    /// A metadata endpoint that accepts and never answers: a clear error in seconds.
    func testSilentMetadataServiceFailsFast() throws {
        let (listener, port) = try XCTUnwrap(silentListener())
        defer { close(listener) }
        assertRefused(mount(["--metadata-endpoint", "http://127.0.0.1:\(port)"]),
                      saying: "the instance metadata service at http://127.0.0.1:\(port) (timed out")
    }

    func testTokenAndAccessKeysTogether() throws {
        assertRefused(mount(), ["LOGDUMPFS_TOKEN": "tok", "HUAWEICLOUD_SDK_AK": "AK", "HUAWEICLOUD_SDK_SK": secret],
                      saying: "give a token or access keys, not both: LOGDUMPFS_TOKEN and HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK")
        assertRefused(mount(["--token-file", "/t", "--ak-sk-file", try keyFile()]),
                      saying: "give a token or access keys, not both: --token-file and --ak-sk-file")
    }

    func testHalfTheEnvironment() {
        assertRefused(mount(), ["HUAWEICLOUD_SDK_AK": "AK"], saying: "HUAWEICLOUD_SDK_AK set without HUAWEICLOUD_SDK_SK")
    }

    func testBadKeyFileNamesItsLine() throws {
        let path = "\(harness.directory)/keys"
        try "ak = AK\n\(secret)\n".write(toFile: path, atomically: false, encoding: .utf8)
        assertRefused(mount(["--ak-sk-file", path]), saying: "--ak-sk-file \(path) line 2 is not `key = value`")
    }

    /// A token file and an IAM password file are secrets too: one warning each when others
    /// may read them, none when only the owner may.
    func testLooseTokenAndPasswordFilesAreWarned() throws {
        let token = "\(harness.directory)/token"
        try "tok-7c1d\n".write(toFile: token, atomically: false, encoding: .utf8)
        chmod(token, 0o640)
        let loose = run(["check", emptyManifest, "--probe", "--token-file", token])
        XCTAssertTrue(loose.stderr.contains("\(token): group or others may read this file of a token (mode 640)"), "\(loose)")
        chmod(token, 0o600)
        XCTAssertFalse(run(["check", emptyManifest, "--probe", "--token-file", token]).stderr.contains("group or others"))

        let password = "\(harness.directory)/password"
        try "pw-3e9a\n".write(toFile: password, atomically: false, encoding: .utf8)
        chmod(password, 0o604)
        let iam = run(["check", emptyManifest, "--probe", "--iam-endpoint", "http://127.0.0.1:1", "--iam-user", "u",
                       "--iam-domain", "d", "--iam-project", "p", "--iam-password-file", password])
        XCTAssertTrue(iam.stderr.contains("\(password): group or others may read this file of a password (mode 604)"), "\(iam)")
        XCTAssertFalse(iam.stderr.contains("pw-3e9a") || loose.stderr.contains("tok-7c1d"))
    }

    /// The chosen source is logged with the access key only, and a file others may read
    /// is warned about once.
    func testChosenSourceIsLoggedAndLooseFileWarned() throws {
        let path = try keyFile(mode: 0o644)
        let result = run(["check", emptyManifest, "--probe", "--ak-sk-file", path])
        XCTAssertTrue(result.stderr.contains("credentials: access key \"AKFILE01\" from --ak-sk-file \(path)"), "\(result)")
        XCTAssertEqual(result.stderr.components(separatedBy: "group or others may read").count - 1, 1, "\(result)")
        XCTAssertTrue(result.stderr.contains("\(path): group or others may read this file of secret keys (mode 644)"),
                      "\(result)")
    }

    func testEnvironmentAndCredentialsFileAreChosen() throws {
        let environment = run(["check", emptyManifest, "--probe"], ["HUAWEICLOUD_SDK_AK": "AKENV01", "HUAWEICLOUD_SDK_SK": secret])
        XCTAssertTrue(environment.stderr.contains("credentials: access key \"AKENV01\" from the environment"), "\(environment)")
        let directory = "\(harness.directory)/.huaweicloud"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try "[basic]\nak = AKBASIC\nsk = \(secret)\n[ops]\nak = AKOPS\nsk = \(secret)\nproject_id = other\n"
            .write(toFile: "\(directory)/credentials", atomically: false, encoding: .utf8)
        chmod("\(directory)/credentials", 0o600)
        let basic = run(["check", emptyManifest, "--probe"])
        XCTAssertTrue(basic.stderr.contains("credentials: access key \"AKBASIC\" from profile \"basic\""), "\(basic)")
        XCTAssertFalse(basic.stderr.contains("may read"), "\(basic)")
        let ops = run(["check", emptyManifest, "--probe", "--credentials-profile", "ops"])
        XCTAssertTrue(ops.stderr.contains("credentials: access key \"AKOPS\" from profile \"ops\""), "\(ops)")
        // The manifest's projects are not "other": one warning (the mount then stops at the bad limit).
        let project = run(mount(["--credentials-profile", "ops", "--memory-limit", "lots"]))
        XCTAssertEqual(project.stderr.components(separatedBy: "gives project_id \"other\", but project ").count - 1, 1,
                       "\(project)")
        // An explicit token wins over the ambient credentials file.
        let token = run(["check", emptyManifest, "--probe"], ["LOGDUMPFS_TOKEN": "tok"])
        XCTAssertEqual(token.status, 0, "\(token)")
        XCTAssertFalse(token.stderr.contains("AKBASIC"), "\(token)")
    }

    func testHelpNamesTheSources() {
        let help = run(["mount", "--help"]).stdoutText
        for phrase in ["--ak-sk-file", "--credentials-profile", "--metadata-endpoint", "HUAWEICLOUD_SDK_AK",
                       "HUAWEICLOUD_SDK_SECURITY_TOKEN", "HUAWEICLOUD_SDK_CREDENTIALS_FILE", "~/.huaweicloud/credentials",
                       "HUAWEICLOUD_SDK_PROJECT_ID", "explicit token"] {
            XCTAssertTrue(help.contains(phrase), "mount --help does not mention \(phrase)")
        }
    }

    /// A loopback listener that never accepts: connections complete, and nothing answers.
    private func silentListener() -> (Int32, Int)? {
        guard let (fd, port) = bindLoopback() else { return nil }
        guard listen(fd, 8) == 0 else { close(fd); return nil }
        return (fd, port)
    }
}
