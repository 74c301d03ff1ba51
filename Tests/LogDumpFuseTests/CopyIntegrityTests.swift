import Foundation
import XCTest

/// `cp` of every export, then `sha256sum`, gives the source's digest, in every
/// combination of the server's undocumented behaviour and with or without manifest sizes.
final class CopyIntegrityTests: MountTestCase {
    func testRangeOnLengthOnWithSizes() throws { try checkCopies(range: true, length: true, sizes: true) }
    func testRangeOnLengthOffWithSizes() throws { try checkCopies(range: true, length: false, sizes: true) }
    func testRangeOffLengthOnWithSizes() throws { try checkCopies(range: false, length: true, sizes: true) }
    func testRangeOffLengthOffWithSizes() throws { try checkCopies(range: false, length: false, sizes: true) }
    func testRangeOnLengthOnProbed() throws { try checkCopies(range: true, length: true, sizes: false) }
    func testRangeOnLengthOffProbed() throws { try checkCopies(range: true, length: false, sizes: false) }
    func testRangeOffLengthOnProbed() throws { try checkCopies(range: false, length: true, sizes: false) }
    func testRangeOffLengthOffProbed() throws { try checkCopies(range: false, length: false, sizes: false) }

    /// With neither a Range total nor a Content-Length the size cannot be known before
    /// reading: `cat` must still stream every byte. Records what `stat` shows meanwhile.
    func testUnknownSizeStreamsWithCat() throws {
        let harness = try mountedHarness(includeSizes: false, honoursRange: false, sendsContentLength: false)
        let before = try harness.exports.map { try statSize(harness, $0) }
        for export in harness.exports {
            let out = "\(harness.directory)/cat-\(export.exportID)"
            assertSucceeds(harness.tools.run("cat", [harness.mounted(export)], stdoutTo: out, timeout: 30))
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), try export.bytes(),
                           "cat of \(export.exportID) (size never given) differs from the source")
        }
        usleep(1_200_000)  // the kernel keeps attributes of an unknown size for 1 s
        let after = try harness.exports.map { try statSize(harness, $0) }
        for (export, (before, after)) in zip(harness.exports, zip(before, after)) {
            print("[size never given] \(export.exportID): real \(export.size), stat before reading \(before), after reading \(after)")
            XCTAssertTrue(before == 0 || before == export.size, "stat shows a wrong size \(before) (real \(export.size))")
            XCTAssertTrue(after == 0 || after == export.size, "stat shows a wrong size \(after) after reading (real \(export.size))")
        }
    }

    private func checkCopies(range: Bool, length: Bool, sizes: Bool) throws {
        let harness = try mountedHarness(includeSizes: sizes, honoursRange: range, sendsContentLength: length)
        if !sizes && (range || length) {
            // The server gives a length one way or the other: the probe must find it.
            for export in harness.exports {
                XCTAssertEqual(try statSize(harness, export), export.size, "probed size of \(export.exportID)")
            }
        }
        let copies = "\(harness.directory)/copies"
        try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: false)
        for export in harness.exports {
            assertSucceeds(harness.tools.run("cp", [harness.mounted(export), "\(copies)/\(export.exportID).tar.gz"]))
        }
        let sums = assertSucceeds(harness.tools.run("sha256sum", harness.exports.map { $0.exportID + ".tar.gz" }, in: copies))
        let expected = harness.exports.map { "\($0.sha256)  \($0.exportID).tar.gz\n" }.joined()
        XCTAssertEqual(sums.stdoutText, expected, "range \(range), length \(length), sizes \(sizes)")
    }

    private func statSize(_ harness: MountHarness, _ export: FixtureExport) throws -> Int {
        let result = assertSucceeds(harness.tools.run("stat", ["-c", "%s", harness.mounted(export)], timeout: 15))
        guard let size = Int(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("stat gave no size: \(result)")
        }
        return size
    }
}
