import Foundation
import LogDumpEmulator
import XCTest

/// `logdumpfs servers` (the real binary) against the emulator with 2,500 servers: every
/// page, as JSON and as a table, filtered by manage state; errors in one sentence.
final class ServersCommandTests: MountTestCase {
    private var harness: MountHarness!
    private var binary = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        harness = try makeHarness { $0.fleet.serversPerProject = 2500 }
        binary = try MountHarness.binaryPath()
    }

    private func servers(_ arguments: [String], token: String = MountHarness.goodToken) -> ToolResult {
        harness.tools.run(binary, ["servers", "proj-x", "--endpoint", harness.emulator.endpoint] + arguments,
                          environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": token], timeout: 60)
    }

    private func jsonRows(_ result: ToolResult) throws -> [[String: Any]] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]], "\(result)")
    }

    func testJSONListsEveryServerOverThreePages() throws {
        let result = servers(["--json"])
        XCTAssertTrue(result.succeeded, "\(result)")
        let rows = try jsonRows(result)
        XCTAssertEqual(rows.count, 2500)
        let ids = rows.compactMap { $0["id"] as? String }
        XCTAssertEqual(Set(ids).count, 2500, "no server twice")
        XCTAssertEqual(ids, ids.sorted(), "in the API's order")
        XCTAssertEqual(harness.emulator.apiRequestCount, 3, "three pages of at most 1000")
        for field in ["name", "manage_state", "power_state", "health_state"] {
            XCTAssertNotNil(rows.first?[field] as? String, field)
        }
    }

    func testTableHasAHeaderARowPerServerAndACount() throws {
        let result = servers([])
        XCTAssertTrue(result.succeeded, "\(result)")
        let lines = result.stdoutText.split(separator: "\n")
        XCTAssertEqual(lines.count, 2502, "header, 2,500 rows, summary")
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "),
                       "ID NAME MANAGE STATE POWER HEALTH")
        XCTAssertEqual(lines.last, "2500 servers")
        let json = try jsonRows(servers(["--json"]))
        let first = lines[1].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(first, [json[0]["id"], json[0]["name"], json[0]["manage_state"], json[0]["power_state"],
                               json[0]["health_state"]].map { $0 as? String ?? "?" })
    }

    func testManageStateFilters() throws {
        let all = try jsonRows(servers(["--json"]))
        let result = servers(["--json", "--manage-state", "in-use"])
        let inUse = try jsonRows(result)
        XCTAssertEqual(inUse.count, all.filter { $0["manage_state"] as? String == "in-use" }.count)
        XCTAssertFalse(inUse.isEmpty)
        XCTAssertTrue(inUse.allSatisfy { $0["manage_state"] as? String == "in-use" })

        let table = servers(["--manage-state", "in-use"])
        XCTAssertTrue(table.stdoutText.hasSuffix("\(inUse.count) servers\n"), "\(table)")
    }

    func testErrorsAreOneSentence() throws {
        let refused = servers(["--json"], token: "wrong-token")
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("cannot list the servers of project \"proj-x\""), "\(refused)")
        XCTAssertTrue(refused.stderr.contains("401"), "\(refused)")
        XCTAssertTrue(refused.stdout.isEmpty)

        let badState = servers(["--manage-state", "sleeping"])
        XCTAssertNotEqual(badState.status, 0)
        XCTAssertTrue(badState.stderr.contains("manage_state"), "\(badState)")

        let badEndpoint = harness.tools.run(binary, ["servers", "proj-x", "--endpoint", "ftp://x"],
                                            environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": "t"],
                                            timeout: 15)
        XCTAssertNotEqual(badEndpoint.status, 0)
        XCTAssertTrue(badEndpoint.stderr.contains("--endpoint"), "\(badEndpoint)")

        // A project ID is a header value and a path segment: the manifest's rule applies.
        let requestsBefore = harness.emulator.apiRequestCount
        let badProject = harness.tools.run(binary, ["servers", "proj\r\nX-Injected: 1", "--endpoint", harness.emulator.endpoint],
                                           environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": "t"],
                                           timeout: 15)
        XCTAssertNotEqual(badProject.status, 0)
        XCTAssertTrue(badProject.stderr.contains("project ID") && badProject.stderr.contains("control characters"), "\(badProject)")
        XCTAssertEqual(harness.emulator.apiRequestCount, requestsBefore, "nothing was sent")
    }
}
