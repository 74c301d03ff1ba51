import Foundation
import Glibc
import XCTest

/// Eight readers of the big export at once all get its exact bytes, and (with Range)
/// each block is fetched from the server about once.
final class ConcurrentReadTests: MountTestCase {
    static let readers = 8

    func testEightConcurrentCatsWithRange() throws {
        let harness = try mountedHarness(honoursRange: true)
        let big = try Fixture.big
        harness.emulator.resetCounters()
        try catConcurrently(harness, big)
        let blocks = (big.size + (1 << 20) - 1) >> 20
        let requests = harness.emulator.contentRequestCount
        print("[concurrent] \(Self.readers) readers of \(blocks) blocks: \(requests) content requests")
        XCTAssertLessThanOrEqual(requests, blocks + 2, "blocks were fetched more than once")
        XCTAssertGreaterThanOrEqual(requests, blocks, "fewer requests than blocks: bytes came from somewhere else?")
    }

    func testEightConcurrentCatsWithoutRange() throws {
        let harness = try mountedHarness(honoursRange: false, sendsContentLength: false)
        try catConcurrently(harness, try Fixture.big)
    }

    /// A reader killed mid-file (its requests interrupted) leaves the mount serving others,
    /// for a ranged server and for a whole-body stream alike.
    func testKilledReaderDoesNotDisturbTheNext() throws {
        for range in [true, false] {
            let harness = try mountedHarness(honoursRange: range, sendsContentLength: range)
            let big = try Fixture.big
            let victim = try harness.tools.start("cat", [harness.mounted(big)], stdoutTo: "/dev/null", timeout: 30)
            usleep(20_000)
            kill(victim.process.processIdentifier, SIGKILL)
            let killed = victim.wait()
            XCTAssertFalse(killed.timedOut, "\(killed)")
            assertExact(harness, [big], "range \(range)", timeout: 30)
        }
    }

    private func catConcurrently(_ harness: MountHarness, _ export: FixtureExport) throws {
        let outputs = (0..<Self.readers).map { "\(harness.directory)/out_\($0)" }
        let running = try outputs.map { try harness.tools.start("cat", [harness.mounted(export)], stdoutTo: $0, timeout: 60) }
        let results = running.map { $0.wait() }
        let source = try export.bytes()
        for (result, output) in zip(results, outputs) {
            assertSucceeds(result)
            let copy = try Data(contentsOf: URL(fileURLWithPath: output))
            XCTAssertEqual(copy.count, source.count, "\(output): length")
            XCTAssertTrue(copy == source, "\(output): bytes differ")
        }
    }
}
