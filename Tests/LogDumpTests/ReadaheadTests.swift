@testable import LogDump
import XCTest

final class ReadaheadTests: XCTestCase {
    private let mib: UInt64 = 1 << 20

    func testWindowDoublesWhileSequentialUpToItsMaximum() {
        var readahead = Readahead(initial: 1, maximum: 16, tolerance: 8 * mib)
        var windows: [Int] = []
        for step in 0..<7 {
            let offset = UInt64(step) * mib
            windows.append(readahead.observe(offset: offset, end: offset + mib))
        }
        XCTAssertEqual(windows, [1, 2, 4, 8, 16, 16, 16])
    }

    func testSmallJumpsAndReorderingStaySequential() {
        var readahead = Readahead(initial: 1, maximum: 64, tolerance: 8 * mib)
        _ = readahead.observe(offset: 0, end: mib)
        XCTAssertEqual(readahead.observe(offset: 3 * mib, end: 4 * mib), 2, "a jump forward within the tolerance")
        XCTAssertEqual(readahead.observe(offset: 2 * mib, end: 3 * mib), 4, "a request that arrived late")
        XCTAssertEqual(readahead.observe(offset: 4 * mib, end: 5 * mib), 8, "the late one did not pull the expectation back")
    }

    func testRepeatedRandomReadsStopPrefetching() {
        var readahead = Readahead(initial: 1, maximum: 64, tolerance: 8 * mib)
        _ = readahead.observe(offset: 0, end: mib)
        XCTAssertEqual(readahead.observe(offset: 500 * mib, end: 500 * mib + 4096), 1, "one jump: maybe a new run")
        XCTAssertEqual(readahead.observe(offset: 100 * mib, end: 100 * mib + 4096), 0)
        XCTAssertEqual(readahead.observe(offset: 900 * mib, end: 900 * mib + 4096), 0)
        XCTAssertEqual(readahead.observe(offset: 900 * mib + 4096, end: 900 * mib + 8192), 1, "sequential again")
    }

    func testRandomReaderLandingNearByChanceStaysRandom() {
        var readahead = Readahead(initial: 1, maximum: 64, tolerance: 8 * mib, rejoin: mib)
        _ = readahead.observe(offset: 100 * mib, end: 100 * mib + 4096)
        XCTAssertEqual(readahead.observe(offset: 30 * mib, end: 30 * mib + 4096), 0, "random now")
        XCTAssertEqual(readahead.observe(offset: 27 * mib, end: 27 * mib + 4096), 0, "within the tolerance, behind")
        XCTAssertEqual(readahead.observe(offset: 33 * mib, end: 33 * mib + 4096), 0, "within the tolerance, ahead")
        XCTAssertEqual(readahead.observe(offset: 33 * mib + 8192, end: 33 * mib + 12288), 1,
                       "a read just past the last one's end: sequential again")
        XCTAssertEqual(readahead.observe(offset: 33 * mib + 12288, end: 34 * mib), 2)
    }

    func testNoReadaheadWhenDisabled() {
        var readahead = Readahead(initial: 1, maximum: 0, tolerance: mib)
        XCTAssertEqual(readahead.observe(offset: 0, end: mib), 0)
    }
}
