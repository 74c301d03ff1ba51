import Foundation
import Glibc
import XCTest

/// The mount asks the kernel for what fast sequential reads need: read requests of up to
/// 1 MiB, and (as root) a readahead of 1 MiB on the mount's bdi instead of 128 KiB.
final class ReadModeTests: MountTestCase {
    func testTheMountAsksFor1MiBRequestsAnd1MiBOfReadahead() throws {
        let harness = try mountedHarness()
        let mounts = assertSucceeds(harness.tools.run("cat", ["/proc/mounts"])).stdoutText
        let line = mounts.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(harness.mountpoint) }
        XCTAssertTrue(line?.contains("max_read=1048576") == true, "the mount's line: \(line ?? "none")")
        guard geteuid() == 0 else { throw XCTSkip("only root may raise the readahead: its check is SKIPPED") }
        let device = assertSucceeds(harness.tools.run("mountpoint", ["-d", harness.mountpoint]))
            .stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        let readahead = assertSucceeds(harness.tools.run("cat", ["/sys/class/bdi/\(device)/read_ahead_kb"]))
        XCTAssertEqual(readahead.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "1024")
    }
}
