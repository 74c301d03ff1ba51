import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// SIGTERM and SIGINT unmount cleanly: the daemon exits 0 and the mount is gone.
final class SignalTests: MountTestCase {
    func testSIGTERMUnmountsAndExitsZero() throws { try checkSignal(SIGTERM) }
    func testSIGINTUnmountsAndExitsZero() throws { try checkSignal(SIGINT) }

    /// Even with a file held open, SIGTERM ends the daemon: FuseMount.unmount promises to
    /// detach the mount and, as root, abort the connection after a 5 s grace, "so the
    /// daemon still exits". Allow 8 s.
    func testSIGTERMWithAnOpenFileStillExits() throws {
        let harness = try mountedHarness()
        // `exec sleep`: the process holding fd 3 is the one killed below.
        let holder = try harness.tools.start("sh", ["-c", "exec 3< \"$1\"; exec sleep 30", "sh",
                                                    harness.mounted(harness.exports[0])], timeout: 40)
        defer { kill(holder.process.processIdentifier, SIGKILL); _ = holder.wait() }
        usleep(300_000)
        let started = Date()
        let status = harness.signalDaemon(SIGTERM, timeout: 8)
        let waited = String(format: "%.2f", Date().timeIntervalSince(started))
        print("[busy SIGTERM] \(status.map { "daemon exited with \($0) after \(waited) s" } ?? "daemon still running after \(waited) s")")
        XCTAssertEqual(status, 0, "exit status after SIGTERM with a file open (nil: still running after 8 s); output:\n\(harness.daemonOutput())")
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "still mounted after SIGTERM")
    }

    /// Readers wait on stalled bodies: SIGTERM still ends the daemon within a few
    /// seconds, exit 0, and the readers get an error rather than hang.
    func testSIGTERMWithTransfersInFlight() throws {
        let (harness, _) = try stalledReads()
        let started = Date()
        let status = harness.signalDaemon(SIGTERM, timeout: 10)
        print("[stalled SIGTERM] daemon exited with \(status.map(String.init) ?? "nothing") after \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        XCTAssertEqual(status, 0, "exit status (nil: still running after 10 s); output:\n\(harness.daemonOutput())")
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "still mounted after SIGTERM")
    }

    /// `fusermount3 -u` while reads are pending: refused as busy, and the daemon goes on
    /// serving. A lazy one detaches the mount; the kernel lets the daemon go once the
    /// requests it holds are answered (here: the stalled transfers are retried and
    /// succeed once the server recovers), and it ends cleanly. No crash on the way.
    func testFusermountWhileReadsArePending() throws {
        let (harness, readers) = try stalledReads(stallTimeout: 2)
        let busy = harness.tools.run("fusermount3", ["-u", harness.mountpoint], timeout: 10)
        XCTAssertFalse(busy.succeeded, "unmounted under pending reads: \(busy)")
        XCTAssertEqual(harness.daemon?.isRunning, true, "the daemon ended: \(harness.daemonOutput())")
        assertSucceeds(harness.tools.run("ls", ["-l", harness.mounted(harness.exports[2])], timeout: 10), "the mount stopped serving")

        assertSucceeds(harness.tools.run("fusermount3", ["-u", "-z", harness.mountpoint], timeout: 10))
        for reader in readers { kill(reader.process.processIdentifier, SIGKILL); _ = reader.wait() }
        harness.emulator.setFaults(FaultPlan())
        let status = harness.signalDaemon(0, timeout: 15)
        XCTAssertEqual(status, 0, "the daemon did not end cleanly (nil: still running after 15 s); output:\n\(harness.daemonOutput())")
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint))
    }

    /// A reader killed while it waits on a stalled server leaves transfers and the
    /// kernel's readahead requests behind. SIGTERM still ends the daemon within a few
    /// seconds (not after the retry deadline), and the same cache mounts again at once.
    func testSIGTERMAfterAnInterruptedReadOnAStalledServer() throws {
        let harness = try interruptedReadOnAStalledServer()
        let started = Date()
        let status = harness.signalDaemon(SIGTERM, timeout: 30)
        let took = Date().timeIntervalSince(started)
        print("[interrupted, stalled SIGTERM] daemon exited after \(String(format: "%.2f", took)) s")
        XCTAssertEqual(status, 0, "exit status (nil: still running after 30 s); output:\n\(harness.daemonOutput())")
        XCTAssertLessThan(took, 5, "the daemon lingered after SIGTERM; output:\n\(harness.daemonOutput())")
        try assertRemountsAtOnce(harness)
    }

    /// The same with `fusermount3 -u`: the daemon is gone within a few seconds of it.
    func testFusermountAfterAnInterruptedReadOnAStalledServer() throws {
        let harness = try interruptedReadOnAStalledServer()
        let started = Date()
        assertSucceeds(harness.tools.run("fusermount3", ["-u", harness.mountpoint], timeout: 10))
        let status = harness.signalDaemon(0, timeout: 30)
        let took = Date().timeIntervalSince(started)
        print("[interrupted, stalled fusermount3 -u] daemon exited after \(String(format: "%.2f", took)) s")
        XCTAssertEqual(status, 0, "exit status (nil: still running after 30 s); output:\n\(harness.daemonOutput())")
        XCTAssertLessThan(took, 5, "the daemon lingered after fusermount3 -u; output:\n\(harness.daemonOutput())")
        try assertRemountsAtOnce(harness)
    }

    /// A mount whose server stalls every body (and retries them for a minute), after a
    /// `cat` of the big export was killed while it waited.
    private func interruptedReadOnAStalledServer() throws -> MountHarness {
        var stall = FaultPlan()
        stall.bodyFault = BodyFault(kind: .stall, afterBytes: 64 << 10)
        let harness = try mountedHarness(extraArguments: ["--stall-timeout", "2", "--retry-deadline", "60"]) {
            $0.faults = stall
        }
        let reader = try harness.tools.start("cat", [harness.mounted(try Fixture.big)], stdoutTo: "/dev/null", timeout: 60)
        usleep(1_500_000) // it now waits for a body that stalled
        XCTAssertTrue(reader.process.isRunning, "cat ended before the stall")
        kill(reader.process.processIdentifier, SIGKILL)
        XCTAssertFalse(reader.wait().timedOut, "cat was not killed")
        return harness
    }

    /// A new mount on the same cache directory comes up (the old daemon let go of its
    /// lock) and reads exactly once the server behaves.
    private func assertRemountsAtOnce(_ harness: MountHarness, file: StaticString = #filePath, line: UInt = #line) throws {
        harness.emulator.setFaults(FaultPlan())
        try harness.mount(timeout: 10)
        assertExact(harness, [try Fixture.big], "after the remount", timeout: 60, file: file, line: line)
    }

    /// A mount whose server stalls every body, with two readers waiting on it.
    private func stalledReads(stallTimeout: Int = 30) throws -> (MountHarness, [RunningTool]) {
        var stall = FaultPlan()
        stall.bodyFault = BodyFault(kind: .stall, afterBytes: 64 << 10)
        let harness = try mountedHarness(extraArguments: ["--stall-timeout", String(stallTimeout)]) { $0.faults = stall }
        let readers = try harness.exports.prefix(2).map { export in
            let reader = try harness.tools.start("cat", [harness.mounted(export)], stdoutTo: "/dev/null", timeout: 60)
            addTeardownBlock {
                guard reader.process.isRunning else { return }
                kill(reader.process.processIdentifier, SIGKILL)
                _ = reader.wait()
            }
            return reader
        }
        usleep(1_000_000) // they now wait for bodies that stalled
        return (harness, readers)
    }

    private func checkSignal(_ signal: Int32) throws {
        let harness = try mountedHarness()
        assertSucceeds(harness.tools.run("cat", [harness.mounted(harness.exports[0])], timeout: 10))
        let started = Date()
        let status = harness.signalDaemon(signal, timeout: 10)
        XCTAssertEqual(status, 0, "exit status after signal \(signal) (nil: still running after 10 s); output:\n\(harness.daemonOutput())")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), "still mounted after signal \(signal)")
        // The mountpoint is an empty local directory again.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: harness.mountpoint), [])
    }
}
