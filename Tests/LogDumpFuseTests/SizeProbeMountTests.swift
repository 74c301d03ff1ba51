import Foundation
import LogDumpEmulator
import XCTest

/// Exports without a manifest size are probed together, each with its own deadline: a
/// server that never answers costs `ls -l` one deadline, not one per file.
final class SizeProbeMountTests: MountTestCase {
    private static let count = 10

    func testListingUnsizedExportsBehindAStalledServer() throws {
        var stalled = FaultPlan()
        stalled.latencyMilliseconds = 60_000
        let harness = try makeHarness { $0.faults = stalled }
        let source = try Fixture.exports()[0]
        let items = try (0..<Self.count).map { index in
            let item = ManifestItem(projectID: "p-probe", serverID: "s-probe", exportID: "exp-\(index)")
            let served = "\(harness.exportsDirectory)/p-probe/s-probe/exp-\(index).tar.gz"
            try FileManager.default.createDirectory(atPath: (served as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try FileManager.default.linkItem(atPath: source.fixturePath, toPath: served)
            return item
        }
        try harness.writeManifest(items)
        try harness.mount()

        let listing = harness.tools.run("ls", ["-l", harness.mounted("p-probe/s-probe/exports")], timeout: 120)
        assertSucceeds(listing)
        XCTAssertLessThan(listing.elapsed, 15, "ls -l waited for the probes one after another: \(listing)")
        let files = listing.stdoutText.split(separator: "\n").filter { $0.hasSuffix(".tar.gz") }
        XCTAssertEqual(files.count, Self.count, listing.stdoutText)

        harness.emulator.setFaults(FaultPlan())
        let copy = "\(harness.directory)/copy"
        assertSucceeds(harness.tools.run("cp", [harness.mounted(items[3].mountRelativePath), copy], timeout: 60))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: copy)), try source.bytes(), "the copy differs")
    }
}
