import Foundation
import XCTest

/// The errors tools see: ENOENT for what does not exist, EROFS for any change, EACCES
/// for a token the server rejects, each promptly and with the exact strerror text.
final class ErrnoTests: MountTestCase {
    func testMissingPathsAreENOENT() throws {
        let harness = try mountedHarness()
        let some = harness.exports[0]
        let missing = [
            "nope",
            "\(some.projectID)/nope",
            "\(some.projectID)/\(some.serverID)/nope",
            "\(some.projectID)/\(some.serverID)/exports/nope.tar.gz",
            "\(some.projectID)/\(some.serverID)/exports/\(some.exportID)",          // no suffix
            "\(some.projectID)/\(Fixture.server3)/exports/\(some.exportID).tar.gz",  // wrong server
        ]
        for path in missing {
            assertFails(harness.tools.run("stat", [harness.mounted(path)], timeout: 10),
                        saying: "No such file or directory", within: 5)
            assertFails(harness.tools.run("cat", [harness.mounted(path)], timeout: 10),
                        saying: "No such file or directory", within: 5)
        }
    }

    func testEveryChangeIsEROFS() throws {
        let harness = try mountedHarness()
        let file = harness.mounted(harness.exports[0])
        let exportsDirectory = (file as NSString).deletingLastPathComponent
        let attempts: [(String, [String])] = [
            ("touch", ["\(exportsDirectory)/new.tar.gz"]),
            ("touch", [file]),
            ("sh", ["-c", "echo x >> \"$1\"", "sh", file]),
            ("sh", ["-c", "echo x > \"$1\"", "sh", file]),
            ("mkdir", ["\(exportsDirectory)/newdir"]),
            ("mkdir", [harness.mounted("newproject")]),
            ("rm", ["-f", file]),
            ("rm", ["-rf", harness.mounted(harness.exports[0].projectID)]),
            ("mv", [file, "\(file).old"]),
            ("chmod", ["644", file]),
            ("ln", ["-s", file, "\(exportsDirectory)/link"]),
            ("truncate", ["-s", "0", file]),
        ]
        for (tool, arguments) in attempts {
            assertFails(harness.tools.run(tool, arguments, timeout: 10), saying: "Read-only file system", within: 5)
        }
        // Nothing changed.
        let listing = assertSucceeds(harness.tools.run("ls", ["-lRn", "--time-style=+%s", "."], in: harness.mountpoint))
        XCTAssertEqual(try TreeListingTests.parse(listing.stdoutText), try TreeListingTests.expectedTree(harness.exports))
    }

    /// 401 from the server is EACCES at once, not a hang or retries until a timeout;
    /// whether the size came from the manifest or had to be probed.
    func testRejectedTokenIsEACCES() throws {
        let harness = try makeHarness()
        let wrongToken = "wrong-token-5c1d9e"
        try harness.writeManifest(harness.exports.enumerated().map { ManifestItem($1, includeSize: $0 % 2 == 0) })
        try harness.mount(token: wrongToken)
        for export in harness.exports {
            assertFails(harness.tools.run("cat", [harness.mounted(export)], timeout: 20),
                        saying: "\(export.exportID).tar.gz: Permission denied", within: 10)
        }
        XCTAssertFalse(harness.daemonOutput().contains(wrongToken), "the token leaked into the daemon's output")
    }

    /// An export the manifest lists but the server does not have (404) is ENOENT on read.
    func testExportMissingOnServerIsENOENT() throws {
        let harness = try makeHarness()
        let gone = [
            ManifestItem(projectID: Fixture.projectA, serverID: Fixture.server1, exportID: "20261106000000-dead",
                         size: 12345, createdAt: "2026-11-06T00:00:00Z"),
            ManifestItem(projectID: Fixture.projectB, serverID: "9a9a9a9a-0000-4000-8000-000000000000",
                         exportID: "20261107000000-beef", size: nil, createdAt: "2026-11-07T00:00:00Z"),
        ]
        try harness.writeManifest(harness.exports.map { ManifestItem($0) } + gone)
        try harness.mount()
        for item in gone {
            let path = harness.mounted(item.mountRelativePath)
            assertSucceeds(harness.tools.run("stat", [path], timeout: 10), "the manifest lists it")
            assertFails(harness.tools.run("cat", [path], timeout: 20),
                        saying: "\(item.exportID).tar.gz: No such file or directory", within: 10)
        }
        // The others still read.
        let first = harness.exports[0]
        let result = assertSucceeds(harness.tools.run("cat", [harness.mounted(first)]))
        XCTAssertEqual(result.stdout, try first.bytes())
    }

    /// With --verbose every fetch is logged; the token must never be.
    func testTokenNeverInVerboseOutput() throws {
        let harness = try mountedHarness(includeSizes: false, extraArguments: ["--verbose"])
        assertSucceeds(harness.tools.run("sha256sum", [harness.mounted(try Fixture.big)]))
        _ = harness.unmount()
        let output = harness.daemonOutput()
        XCTAssertFalse(output.isEmpty, "--verbose logged nothing")
        XCTAssertFalse(output.contains(MountHarness.goodToken), "the token leaked into the verbose log")
    }
}
