import Foundation
import LogDump
import LogDumpEmulator
import XCTest

/// The whole path, live: a mount serves a manifest; `logdumpfs export` requests an export
/// of a server from the emulator, follows it to completion and adds it to that manifest;
/// the file appears in the running mount within two seconds, with exact bytes, without a
/// remount.
final class ExportFlowTests: MountTestCase {
    private let project = "proj-flow"

    func testARequestedExportAppearsInTheRunningMount() throws {
        let harness = try makeHarness { config in
            config.fleet.serversPerProject = 3
            config.fleet.exportSeconds = 1
        }
        try harness.writeManifest()
        try harness.mount()
        let before = try Manifest.load(contentsOf: harness.manifestPath).entries.count

        let server = try XCTUnwrap(firstServer(harness))
        let export = harness.tools.run(try MountHarness.binaryPath(),
                                       ["export", project, server, "--manifest", harness.manifestPath,
                                        "--poll-interval", "0.2", "--timeout", "60"],
                                       environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": MountHarness.goodToken],
                                       timeout: 90)
        XCTAssertEqual(export.status, 0, "\(export)")
        let finished = Date()

        let entries = try Manifest.load(contentsOf: harness.manifestPath).entries
        XCTAssertEqual(entries.count, before + 1, "one export added, the others kept")
        let added = try XCTUnwrap(entries.first { $0.key.projectID == project && $0.key.serverID == server })
        XCTAssertNotNil(added.size, "the size the download endpoint told")
        let mounted = harness.mounted(String(added.key.path.dropFirst()))
        var seen = FileManager.default.fileExists(atPath: mounted)
        while !seen && Date().timeIntervalSince(finished) < 2 {
            usleep(50_000)
            seen = FileManager.default.fileExists(atPath: mounted)
        }
        let waited = Date().timeIntervalSince(finished)
        print("[export flow] \(mounted) visible \(String(format: "%.2f", waited)) s after export finished")
        XCTAssertTrue(seen, "not in the mount within 2 s; daemon:\n\(harness.daemonOutput())")

        // The bytes are the emulator's archive, read through the mount.
        let archive = "\(harness.exportsDirectory)/\(project)/\(server)/\(added.key.exportID).tar.gz"
        let sums = harness.tools.run("sha256sum", [archive, mounted], timeout: 60)
        XCTAssertTrue(sums.succeeded, "\(sums)")
        let digests = sums.stdoutText.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        XCTAssertEqual(digests.count, 2)
        XCTAssertEqual(digests.first, digests.last, "the mount's bytes differ from the archive")
        XCTAssertEqual(harness.tools.run("tar", ["-tzf", mounted], timeout: 60).status, 0, "not a readable archive")
    }

    /// The first server of the project's listing (asked with curl, not the code under test).
    private func firstServer(_ harness: MountHarness) throws -> String? {
        let result = harness.tools.run("curl", ["-sf", "-H", "X-Auth-Token: \(MountHarness.goodToken)",
                                                "\(harness.emulator.endpoint)/v1/\(project)/physicalservers?limit=10"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return (json?["servers"] as? [[String: Any]])?.first?["id"] as? String
    }
}
