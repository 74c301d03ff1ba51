import Foundation
import XCTest

/// `tar -tzf` reads each archive through the mount and lists what the source lists.
final class TarListingTests: MountTestCase {
    func testTarListsEveryArchive() throws {
        let harness = try mountedHarness()
        for export in harness.exports {
            let mounted = assertSucceeds(harness.tools.run("tar", ["-tzf", harness.mounted(export)], timeout: 30))
            let local = assertSucceeds(harness.tools.run("tar", ["-tzf", export.fixturePath], timeout: 30))
            XCTAssertFalse(mounted.stdoutText.isEmpty, "tar listed nothing for \(export.exportID)")
            XCTAssertTrue(mounted.stdoutText.hasPrefix("log_dump_\(export.exportID)/"), mounted.stdoutText)
            XCTAssertEqual(mounted.stdoutText, local.stdoutText, "tar -tzf of \(export.exportID)")
        }
    }
}
