import Foundation
import Glibc
import XCTest

/// The tree `ls -lR` shows is exactly the manifest's, with the right modes, sizes and times.
final class TreeListingTests: MountTestCase {
    /// One line of `ls -lRn --time-style=+%s`, keyed by its path below the mountpoint.
    struct Listed: Equatable, CustomStringConvertible {
        var mode: String
        var owner: String  // "uid:gid"
        var size: Int
        var mtime: Int
        var description: String { "\(mode) \(owner) \(size) \(mtime)" }
    }

    func testLsShowsExactlyTheManifestTree() throws {
        let harness = try mountedHarness()
        let result = assertSucceeds(harness.tools.run("ls", ["-lRn", "--time-style=+%s", "."],
                                                      in: harness.mountpoint, timeout: 20))
        XCTAssertEqual(try Self.parse(result.stdoutText), try Self.expectedTree(harness.exports))

        let root = assertSucceeds(harness.tools.run("stat", ["-c", "%A %s", harness.mountpoint], timeout: 10))
        XCTAssertEqual(root.stdoutText, "dr-xr-xr-x 4096\n")
    }

    /// `-o uid=,gid=,umask=` change what every node shows; root still reads.
    func testMountOptionsSetOwnerAndMode() throws {
        let harness = try mountedHarness(extraArguments: ["-o", "uid=1234,gid=5678", "-o", "umask=027,allow_other"])
        let result = assertSucceeds(harness.tools.run("ls", ["-lRn", "--time-style=+%s", "."], in: harness.mountpoint, timeout: 20))
        XCTAssertEqual(try Self.parse(result.stdoutText),
                       try Self.expectedTree(harness.exports, fileMode: "-r--r-----", directoryMode: "dr-xr-x---", owner: "1234:5678"))
        let first = harness.exports[0]
        XCTAssertEqual(assertSucceeds(harness.tools.run("cat", [harness.mounted(first)])).stdout, try first.bytes())
        assertSucceeds(harness.tools.run("stat", ["-f", harness.mountpoint], timeout: 10), "statfs")
    }

    /// The tree the manifest implies: directories dr-xr-xr-x with the newest mtime below
    /// them, files -r--r--r-- with the manifest's size and created_at.
    static func expectedTree(_ exports: [FixtureExport], fileMode: String = "-r--r--r--",
                             directoryMode: String = "dr-xr-xr-x", owner: String = "\(getuid()):\(getgid())") throws -> [String: Listed] {
        var tree: [String: Listed] = [:]
        for export in exports {
            tree[export.mountRelativePath] = Listed(mode: fileMode, owner: owner, size: export.size, mtime: export.createdAtEpoch)
            for directory in [export.projectID, "\(export.projectID)/\(export.serverID)",
                              "\(export.projectID)/\(export.serverID)/exports"] {
                let newest = max(tree[directory]?.mtime ?? 0, export.createdAtEpoch)
                tree[directory] = Listed(mode: directoryMode, owner: owner, size: 4096, mtime: newest)
            }
        }
        return tree
    }

    /// Parses `ls -lRn --time-style=+%s .` run in the mountpoint.
    static func parse(_ listing: String) throws -> [String: Listed] {
        var tree: [String: Listed] = [:]
        var directory = ""
        for line in listing.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasSuffix(":") {
                let header = String(line.dropLast())
                directory = header == "." ? "" : String(header.dropFirst(2))  // "./a/b" -> "a/b"
                continue
            }
            if line.hasPrefix("total ") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 7, let size = Int(fields[4]), let mtime = Int(fields[5]) else {
                throw HarnessError("unexpected ls line: \(line)")
            }
            let path = directory.isEmpty ? String(fields[6]) : "\(directory)/\(fields[6])"
            guard tree[path] == nil else { throw HarnessError("listed twice: \(path)") }
            tree[path] = Listed(mode: String(fields[0]), owner: "\(fields[2]):\(fields[3])", size: size, mtime: mtime)
        }
        return tree
    }
}
