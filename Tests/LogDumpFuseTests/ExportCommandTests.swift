import Foundation
import LogDump
import LogDumpEmulator
import XCTest

/// `logdumpfs export` against the emulator: the real binary, real HTTP on loopback, the
/// manifest on disk; progress on a pseudo-terminal (script(1)) and without one.
final class ExportCommandTests: MountTestCase {
    private var harness: MountHarness!
    private var binary = ""
    private let project = "proj-export"
    private var manifest: String { harness.directory + "/exports.json" }

    private func start(servers: Int = 2, seconds: Double = 0.5, fail: Bool = false) throws {
        harness = try makeHarness { config in
            config.fleet.serversPerProject = servers
            config.fleet.exportSeconds = seconds
            config.fleet.failExports = fail
            config.fleet.percentageStyle = .string
        }
        binary = try MountHarness.binaryPath()
    }

    private var environment: [String: String] {
        ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": MountHarness.goodToken]
    }

    private func arguments(_ extra: [String], timeout: Int = 60) -> [String] {
        ["export", project, "--manifest", manifest, "--endpoint", harness.emulator.endpoint,
         "--poll-interval", "0.1", "--timeout", String(timeout)] + extra
    }

    private func export(_ extra: [String], timeout: TimeInterval = 60) -> ToolResult {
        harness.tools.run(binary, arguments(extra), environment: environment, timeout: timeout)
    }

    /// The fleet's server IDs and names, from the listing (curl, not the code under test).
    private func listing() throws -> [(id: String, name: String)] {
        let result = harness.tools.run("curl", ["-sf", "-H", "X-Auth-Token: \(MountHarness.goodToken)",
                                                "\(harness.emulator.endpoint)/v1/\(project)/physicalservers?limit=1000"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let json = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        let servers = json?["servers"] as? [[String: Any]] ?? []
        return servers.map { ($0["id"] as? String ?? "", $0["name"] as? String ?? "") }
    }

    func testACompletedExportIsInTheManifestWithItsTimeAndSize() throws {
        try start()
        let server = try XCTUnwrap(listing().first)
        let result = export([server.id])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("1 completed, 0 failed, 0 timed out, 0 interrupted"), result.stdoutText)
        let entries = try Manifest.load(contentsOf: manifest).entries
        XCTAssertEqual(entries.count, 1)
        let entry = try XCTUnwrap(entries.first)
        XCTAssertEqual(entry.key.projectID, project)
        XCTAssertEqual(entry.key.serverID, server.id)
        XCTAssertEqual(entry.endpoint.url, harness.emulator.endpoint)
        XCTAssertNotNil(entry.createdAt)
        // The size is the archive's: download it and count.
        let body = harness.tools.run("curl", ["-sf", "-H", "X-Auth-Token: \(MountHarness.goodToken)",
                                              "\(entry.location.contentURL)"])
        XCTAssertTrue(body.succeeded, "\(body)")
        XCTAssertEqual(entry.size, UInt64(body.stdout.count))
        XCTAssertGreaterThan(body.stdout.count, 0)
        // Not a terminal: plain timestamped lines, no cursor movement.
        XCTAssertFalse(result.stderr.contains("\u{1B}["), result.stderr)
        XCTAssertTrue(result.stderr.contains("completed"), result.stderr)
        XCTAssertNotNil(result.stderr.range(of: #"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression),
                        result.stderr)
    }

    func testAllServersAreExportedWithTheirNames() throws {
        try start(servers: 3)
        let result = export(["--all-servers", "--concurrency", "2"])
        XCTAssertEqual(result.status, 0, "\(result)")
        let entries = try Manifest.load(contentsOf: manifest).entries
        let names = Dictionary(uniqueKeysWithValues: try listing().map { ($0.id, $0.name) })
        XCTAssertEqual(Set(entries.map(\.key.serverID)), Set(names.keys))
        for entry in entries { XCTAssertEqual(entry.serverName, names[entry.key.serverID]) }
    }

    func testAFailingExportIsReportedAndNotAdded() throws {
        try start(fail: true)
        let server = try XCTUnwrap(listing().first)
        let result = export([server.id])
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("failed: \(server.id), export "), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains("BMC did not answer"), result.stdoutText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: manifest))
    }

    func testAnUnknownServerFailsAndTheOthersComplete() throws {
        try start()
        let server = try XCTUnwrap(listing().first)
        let result = export(["no-such-server", server.id])
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("failed: no-such-server"), result.stdoutText)
        XCTAssertEqual(try Manifest.load(contentsOf: manifest).entries.map(\.key.serverID), [server.id])
    }

    func testTheTimeoutBoundsTheWait() throws {
        try start(seconds: 600)
        let server = try XCTUnwrap(listing().first)
        let result = harness.tools.run(binary, arguments([server.id], timeout: 1),
                                       environment: environment, timeout: 30)
        XCTAssertEqual(result.status, 1, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("timed out: \(server.id), export "), result.stdoutText)
        XCTAssertLessThan(result.elapsed, 20, "\(result)")
    }

    func testKeepsTheManifestsOtherEntriesAndEndpoint() throws {
        try start()
        let server = try XCTUnwrap(listing().first)
        let original = """
            {"endpoint": "\(harness.emulator.endpoint)", "exports": [
              {"project_id": "old", "server_id": "s", "export_id": "e", "size": 5, "endpoint": "https://elsewhere.example"}]}
            """
        try original.write(toFile: manifest, atomically: false, encoding: .utf8)
        // No --endpoint: the manifest's.
        let result = harness.tools.run(binary, ["export", project, server.id, "--manifest", manifest, "--poll-interval", "0.1"],
                                       environment: environment, timeout: 60)
        XCTAssertEqual(result.status, 0, "\(result)")
        let entries = try Manifest.load(contentsOf: manifest).entries
        XCTAssertEqual(entries.map(\.key.projectID), ["old", project])
        XCTAssertEqual(entries.first?.endpoint.url, "https://elsewhere.example")
    }

    /// Two runs at once on one manifest: every export of both is in it after.
    func testTwoRunsAtOnceLoseNoEntry() throws {
        try start(servers: 12, seconds: 0.3)
        let servers = try listing().map(\.id)
        XCTAssertEqual(servers.count, 12)
        let first = try harness.tools.start(binary, arguments(Array(servers[0..<6]) + ["--concurrency", "6"]),
                                            environment: environment, timeout: 60)
        let second = try harness.tools.start(binary, arguments(Array(servers[6...]) + ["--concurrency", "6"]),
                                             environment: environment, timeout: 60)
        let results = [first.wait(), second.wait()]
        for result in results { XCTAssertEqual(result.status, 0, "\(result)") }
        XCTAssertEqual(Set(try Manifest.load(contentsOf: manifest).entries.map(\.key.serverID)), Set(servers))
    }

    /// On a pseudo-terminal the bars are redrawn in place and left on screen.
    func testBarsRedrawInPlaceOnATerminal() throws {
        try start(servers: 2, seconds: 1.5)
        let command = ([binary] + arguments(["--all-servers"])).map { "'\($0)'" }.joined(separator: " ")
        let result = harness.tools.run("script", ["-qfec", command, "/dev/null"], environment: environment, timeout: 60)
        XCTAssertEqual(result.status, 0, "\(result)")
        let screen = result.stdoutText
        XCTAssertTrue(screen.contains("\u{1B}[2A\r\u{1B}[2K"), "no redraw in place: \(screen.debugDescription)")
        XCTAssertTrue(screen.contains("[####################] 100%  completed"), screen.debugDescription)
        XCTAssertTrue(screen.contains("%  running"), screen.debugDescription)
        XCTAssertTrue(screen.contains("2 completed, 0 failed"), screen.debugDescription)
    }

    /// Ctrl-C stops following at once: exit 130, the export reported interrupted.
    func testInterruptStopsFollowing() throws {
        try start(seconds: 600)
        let server = try XCTUnwrap(listing().first)
        let running = try harness.tools.start(binary, arguments([server.id]), environment: environment, timeout: 60)
        // Wait until the export was requested (its first line), then interrupt.
        let deadline = Date().addingTimeInterval(30)
        while !running.stderrSoFar.contains("running"), Date() < deadline { usleep(50_000) }
        kill(running.process.processIdentifier, SIGINT)
        let result = running.wait()
        XCTAssertEqual(result.status, 130, "\(result)")
        XCTAssertTrue(result.stdoutText.contains("interrupted: \(server.id), export "), result.stdoutText)
        XCTAssertLessThan(result.elapsed, 20, "\(result)")
    }
}
