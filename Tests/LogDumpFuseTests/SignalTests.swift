import Foundation
import Glibc
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
