import Foundation
import XCTest

/// `logdumpfs check --probe` against the emulator on loopback: every export whose size
/// differs, that is missing or refused gets a row, and the exit status says so.
final class CheckProbeTests: MountTestCase {
    private var harness: MountHarness!
    private var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        harness = try makeHarness()
        binary = try MountHarness.binaryPath()
    }

    private func check(_ arguments: [String], token: String = MountHarness.goodToken) -> ToolResult {
        harness.tools.run(binary, ["check"] + arguments,
                          environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": token], timeout: 60)
    }

    /// The row of `exportID` in the table, or "".
    private func row(_ result: ToolResult, _ exportID: String) -> String {
        result.stdoutText.split(separator: "\n").first { $0.contains("/\(exportID) ") }.map(String.init) ?? ""
    }

    /// One good entry, one with a wrong size, one missing, one without a size.
    private func writeMixedManifest() throws -> (good: FixtureExport, wrong: FixtureExport, unsized: FixtureExport) {
        let exports = harness.exports
        let (good, wrong, unsized) = (exports[0], exports[1], exports[2])
        var wrongSize = ManifestItem(wrong)
        wrongSize.size = wrong.size + 1
        try harness.writeManifest([
            ManifestItem(good), wrongSize,
            ManifestItem(projectID: good.projectID, serverID: good.serverID, exportID: "no-such-export", size: 100),
            ManifestItem(unsized, includeSize: false),
        ])
        return (good, wrong, unsized)
    }

    func testProbeReportsMismatchMissingAndServerSizes() throws {
        let (good, wrong, unsized) = try writeMixedManifest()
        let result = check(["--probe", harness.manifestPath])
        XCTAssertFalse(result.timedOut, "\(result)")
        XCTAssertEqual(result.status, 1, "problems give a non-zero status: \(result)")
        XCTAssertEqual(row(result, good.exportID), "", "a good entry has no row: \(result)")
        XCTAssertTrue(row(result, wrong.exportID).contains(
            "size mismatch: the manifest says \(wrong.size + 1) bytes, the server \(wrong.size)"), "\(result)")
        XCTAssertTrue(row(result, "no-such-export").contains("missing: HTTP 404"), "\(result)")
        XCTAssertTrue(row(result, unsized.exportID).contains("\(unsized.size)"), "\(result)")
        XCTAssertTrue(row(result, unsized.exportID).contains("size from the server"), "\(result)")
        XCTAssertTrue(result.stdoutText.contains(
            "4 exports probed: 2 as the manifest says, 1 size mismatch, 1 missing"), "\(result)")
    }

    func testAWrongTokenIsReportedWithTheServersCode() throws {
        _ = try writeMixedManifest()
        let result = check(["--probe", harness.manifestPath], token: "wrong-token")
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertTrue(row(result, harness.exports[0].exportID).contains("refused: HTTP 401 CDC.0401"), "\(result)")
        XCTAssertTrue(result.stdoutText.contains("4 exports probed: 4 refused"), "\(result)")
    }

    /// A manifest the server agrees with passes, so the checks cannot simply fail everything.
    func testAnAgreeingManifestPasses() throws {
        try harness.writeManifest()
        let result = check(["--probe", harness.manifestPath])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stdoutText, "\(harness.exports.count) exports probed: \(harness.exports.count) as the manifest says\n")
    }

    /// Without --probe nothing goes over the network.
    func testCheckWithoutProbeStaysOffline() throws {
        _ = try writeMixedManifest()
        let result = check([harness.manifestPath])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("4 exports of"), "\(result)")
        XCTAssertEqual(harness.emulator.contentRequestCount, 0)
    }
}
