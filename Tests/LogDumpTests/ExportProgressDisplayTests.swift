import XCTest
@testable import LogDump

/// The progress display's text: bars redrawn in place for a terminal, plain lines for logs.
final class ExportProgressDisplayTests: XCTestCase {
    private let targets = [ExportTarget(serverID: "s1", serverName: "web-01"), ExportTarget(serverID: "s2")]
    private let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    private func state(_ index: Int, _ outcome: FollowedExport.Outcome, _ percentage: Int?, status: String = "processing",
                       after seconds: Int64 = 0) -> FollowedExport {
        var state = FollowedExport(target: targets[index])
        state.outcome = outcome
        state.startedAt = start
        state.progress = ExportProgress(exportID: "exp-\(index + 1)", status: status, phase: .running,
                                        percentage: percentage, createdAt: nil)
        if outcome.isFinal { state.endedAt = start.advanced(by: .seconds(seconds)) }
        return state
    }

    func testBarsAreRedrawnInPlace() {
        var output: [String] = []
        let display = ExportProgressDisplay(targets: targets, style: .bars, wallClock: { "T" }) { output.append($0) }
        display.update(state(0, .running, 30), now: start.advanced(by: .seconds(7)))
        display.tick(now: start.advanced(by: .seconds(75)))
        display.finish([state(0, .completed, 100, status: "completed", after: 80), state(1, .failed("disk full"), 40, after: 3)],
                       now: start.advanced(by: .seconds(90)))
        XCTAssertEqual(output[0], """
            \r\u{1B}[2Kweb-01  [######--------------]  30%  running  0:07
            \r\u{1B}[2Ks2      [--------------------]   0%  waiting  0:00

            """)
        XCTAssertTrue(output[1].hasPrefix("\u{1B}[2A\r\u{1B}[2Kweb-01  [######--------------]  30%  running  1:15\n"), output[1])
        XCTAssertEqual(output.last, """
            \u{1B}[2A\r\u{1B}[2Kweb-01  [####################] 100%  completed  1:20
            \r\u{1B}[2Ks2      [########------------]  40%  failed  0:03

            """)
    }

    func testMoreServersThanLinesShowTheRunningOnesAndCountTheRest() {
        let many = (1...5).map { ExportTarget(serverID: "s\($0)") }
        var output: [String] = []
        let display = ExportProgressDisplay(targets: many, style: .bars, maxLines: 3, wallClock: { "T" }) { output.append($0) }
        var running = FollowedExport(target: many[3])
        running.outcome = .running
        display.update(running, now: start)
        XCTAssertEqual(output.last, """
            \r\u{1B}[2Ks1  [--------------------]   0%  waiting  0:00
            \r\u{1B}[2Ks4  [--------------------]   0%  requesting  0:00
            \r\u{1B}[2K+ 3 more: 3 waiting

            """)
        var done = running
        done.outcome = .completed
        display.update(done, now: start)
        XCTAssertTrue(output.last?.hasPrefix("\u{1B}[3A") == true, output.last ?? "")
        XCTAssertEqual(output.last?.split(separator: "\n").count, 3)
    }

    func testBarsAreCutToTheTerminalsWidth() {
        var output = ""
        let display = ExportProgressDisplay(targets: targets, style: .bars, maxColumns: 30, wallClock: { "T" }) { output += $0 }
        display.tick(now: start)
        XCTAssertEqual(output, "\r\u{1B}[2Kweb-01  [-------------------…\n\r\u{1B}[2Ks2      [-------------------…\n")
    }

    func testPlainLinesOnlyWhenSomethingChanges() {
        var output = ""
        let display = ExportProgressDisplay(targets: targets, style: .lines, wallClock: { "2026-12-03T18:00:00Z" }) { output += $0 }
        display.update(state(0, .running, 30), now: start)
        display.update(state(0, .running, 30), now: start.advanced(by: .seconds(1)))
        display.tick(now: start.advanced(by: .seconds(2)))
        display.update(state(0, .running, 60), now: start)
        display.update(state(1, .failed("disk full"), 10), now: start)
        display.finish([state(0, .completed, 100, status: "completed"), state(1, .failed("disk full"), 10)], now: start)
        XCTAssertEqual(output, """
            2026-12-03T18:00:00Z web-01 (s1): export exp-1 running, 30% (processing)
            2026-12-03T18:00:00Z web-01 (s1): export exp-1 running, 60% (processing)
            2026-12-03T18:00:00Z s2: export exp-2 failed: disk full
            2026-12-03T18:00:00Z web-01 (s1): export exp-1 completed

            """)
        XCTAssertFalse(output.contains("\u{1B}"))
    }

    func testSummaryNamesEachOutcome() {
        let summary = ExportProgressDisplay.summary([state(0, .completed, 100), state(1, .failed("disk\nfull"), 40)])
        XCTAssertEqual(summary, """
            completed: web-01 (s1), export exp-1
            failed: s2, export exp-2: disk\\nfull
            1 completed, 1 failed, 0 timed out, 0 interrupted

            """)
    }

    func testClock() {
        XCTAssertEqual(ExportProgressDisplay.clock(.seconds(7)), "0:07")
        XCTAssertEqual(ExportProgressDisplay.clock(.seconds(3723)), "1:02:03")
    }
}
