import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// A reader stuck on a stalled server ends as soon as it is interrupted or killed, and
/// the mount goes on serving exact bytes afterwards.
final class InterruptTests: MountTestCase {
    /// Ctrl-C of `cat` waiting for a stalled body: cat is gone within a second.
    func testCtrlCOfCatMidReadEndsIt() throws {
        try assertReaderEnds(by: SIGINT, tool: "cat", arguments: { [$0] })
    }

    /// kill -9 of an O_DIRECT reader: its requests are synchronous, so the kernel
    /// forwards the interrupt and waits for our EINTR.
    func testKillOfADirectReaderEndsIt() throws {
        try assertReaderEnds(by: SIGKILL, tool: "dd", arguments: { ["if=\($0)", "of=/dev/null", "bs=1M", "iflag=direct"] })
    }

    /// Ctrl-C of an O_DIRECT reader (the signal is fatal, the wait in the kernel is not
    /// killable: only our EINTR ends it).
    func testCtrlCOfADirectReaderEndsIt() throws {
        try assertReaderEnds(by: SIGINT, tool: "dd", arguments: { ["if=\($0)", "of=/dev/null", "bs=1M", "iflag=direct", "skip=2"] })
    }

    private func assertReaderEnds(by signal: Int32, tool: String, arguments: (String) -> [String],
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        // Transfers that readahead started stall too; they give up (and are retried)
        // after the stall timeout, which the final check would otherwise wait for.
        let harness = try mountedHarness(extraArguments: ["--stall-timeout", "3"])
        let big = try Fixture.big
        var stall = FaultPlan()
        stall.bodyFault = BodyFault(kind: .stall, afterBytes: 64 << 10)
        harness.emulator.setFaults(stall)

        let reader = try harness.tools.start(tool, arguments(harness.mounted(big)), stdoutTo: "/dev/null", timeout: 60)
        usleep(1_500_000) // it now waits for a body that stalled
        XCTAssertTrue(reader.process.isRunning, "\(tool) ended before the stall", file: file, line: line)
        let sent = Date()
        kill(reader.process.processIdentifier, signal)
        let ended = reader.wait()
        let took = Date().timeIntervalSince(sent)
        print("\(tool) ended \(String(format: "%.3f", took)) s after signal \(signal)")
        XCTAssertFalse(ended.timedOut, "\(tool) never ended: \(ended)", file: file, line: line)
        // One second is the promise; the margin is for a loaded machine.
        XCTAssertLessThan(took, 2.0, "\(tool) took \(took) s to end after the signal", file: file, line: line)

        harness.emulator.setFaults(FaultPlan())
        assertExact(harness, [big], "after the interruption", timeout: 60, file: file, line: line)
    }
}
