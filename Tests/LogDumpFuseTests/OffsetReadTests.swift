import Foundation
import XCTest

/// `dd` at odd offsets, across 1 MiB block edges, gives the source's bytes there.
final class OffsetReadTests: MountTestCase {
    /// (bs, skip, count): each read's bytes are [bs*skip, bs*(skip+count)).
    static let reads: [(Int, Int, Int)] = [
        (1, 1_048_575, 3),          // the last byte of block 0 and two of block 1
        (4096, 255, 3),             // 4 KiB pages either side of the 1 MiB edge
        (1000, 1047, 5),            // unaligned, across the edge at 1 MiB
        (1, 0, 1),                  // the first byte
        (65536, 31, 34),            // 2 MiB + change, spanning blocks 0..<3
        (1000, 3145, 3),            // across the edge at 3 MiB
        (4096, 1279, 2),            // across the edge at 5 MiB
        (1, 4_194_303, 1),          // the last byte of block 3
    ]

    func testDdAtOddOffsetsWithRange() throws { try checkReads(honoursRange: true) }
    func testDdAtOddOffsetsWithoutRange() throws { try checkReads(honoursRange: false) }

    /// Reads near the end: the tail, and a read running past EOF, which is cut short.
    func testDdAtTheEnd() throws {
        let harness = try mountedHarness()
        let big = try Fixture.big
        let source = try big.bytes()
        let result = assertSucceeds(harness.tools.run("dd", ["if=\(harness.mounted(big))", "bs=1",
                                                             "skip=\(big.size - 7)", "count=100", "status=none"]))
        XCTAssertEqual(result.stdout, source.suffix(7))
        let past = assertSucceeds(harness.tools.run("dd", ["if=\(harness.mounted(big))", "bs=4096",
                                                           "skip=\(big.size / 4096 + 1)", "count=2", "status=none"]))
        XCTAssertEqual(past.stdout.count, 0, "a read past EOF returned bytes")
    }

    private func checkReads(honoursRange: Bool) throws {
        let harness = try mountedHarness(honoursRange: honoursRange)
        let big = try Fixture.big
        let source = try big.bytes()
        for (bs, skip, count) in Self.reads {
            let result = assertSucceeds(harness.tools.run("dd", ["if=\(harness.mounted(big))", "bs=\(bs)",
                                                                 "skip=\(skip)", "count=\(count)", "status=none"]))
            let start = bs * skip
            let expected = source.subdata(in: start..<min(source.count, start + bs * count))
            XCTAssertEqual(result.stdout.count, expected.count, "dd bs=\(bs) skip=\(skip) count=\(count): length")
            XCTAssertTrue(result.stdout == expected, "dd bs=\(bs) skip=\(skip) count=\(count): bytes differ (range \(honoursRange))")
        }
    }
}
