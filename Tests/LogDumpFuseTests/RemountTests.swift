import Foundation
import XCTest

/// Inode numbers and mtimes are the same after unmounting and mounting again.
final class RemountTests: MountTestCase {
    func testInodesAndMtimesStableAcrossRemount() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        try harness.mount()
        let before = try snapshot(harness)
        XCTAssertEqual(before.count, 1 + (try TreeListingTests.expectedTree(harness.exports)).count, before.joined(separator: "\n"))
        let problems = harness.unmount()
        XCTAssertEqual(problems, [])
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint))
        try harness.mount()
        let after = try snapshot(harness)
        XCTAssertEqual(after, before)
        // Every inode is distinct.
        XCTAssertEqual(Set(after.map { $0.split(separator: " ")[0] }).count, after.count)
    }

    /// `inode mtime(ns) path` for every path, sorted by path.
    private func snapshot(_ harness: MountHarness) throws -> [String] {
        let result = assertSucceeds(harness.tools.run("find", [".", "-printf", "%i %T@ %p\\n"], in: harness.mountpoint, timeout: 20))
        return result.stdoutText.split(separator: "\n").map(String.init).sorted { $0.split(separator: " ")[2] < $1.split(separator: " ")[2] }
    }
}
