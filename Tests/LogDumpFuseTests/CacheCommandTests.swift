import Foundation
import Glibc
import XCTest

/// One cache directory, one user at a time; and `logdumpfs cache stats|clear|verify`
/// against a cache a real mount filled.
final class CacheCommandTests: MountTestCase {
    func testSecondMountOnTheSameCacheDirIsRefused() throws {
        let harness = try mountedHarness()
        let second = harness.directory + "/mnt2"
        try FileManager.default.createDirectory(atPath: second, withIntermediateDirectories: false)
        addTeardownBlock {
            // Should the refusal fail, the second daemon was killed by its timeout: detach its mount.
            if MountHarness.isMounted(second) {
                XCTFail("the second mount came up on \(second)")
                _ = ToolRunner(scratch: "/tmp").run("fusermount3", ["-u", "-z", second], timeout: 10)
            }
        }
        let result = try harness.logdumpfs(["mount", harness.manifestPath, second, "--cache-dir", harness.cacheDirectory],
                                           timeout: 10)
        assertFails(result, saying: "in use by another logdumpfs", within: 5)
        XCTAssertFalse(MountHarness.isMounted(second))
        // The first mount is unharmed.
        assertExact(harness)
    }

    func testStatsClearAndVerify() throws {
        let harness = try mountedHarness()
        let cache = ["--cache-dir", harness.cacheDirectory]
        assertExact(harness)

        // clear is refused while the mount holds the directory, and changes nothing.
        let blocksBefore = harness.blockFiles()
        XCTAssertFalse(blocksBefore.isEmpty)
        assertFails(try harness.logdumpfs(["cache", "clear"] + cache), saying: "a mount is using it", within: 10)
        assertFails(try harness.logdumpfs(["cache", "verify"] + cache), saying: "a mount is using it", within: 10)
        XCTAssertEqual(harness.blockFiles(), blocksBefore, "a refused clear removed blocks")
        assertUnmounts(harness)

        // stats: blocks on disk, and the hit ratio of the run that just ended.
        let stats = assertSucceeds(try harness.logdumpfs(["cache", "stats"] + cache))
        print("[cache stats]\n\(stats.stdoutText)")
        let blocks = Self.number(before: " blocks of", in: stats.stdoutText)
        XCTAssertEqual(blocks, blocksBefore.count, "stats: \(stats)")
        XCTAssertTrue(stats.stdoutText.contains("hit ratio"), "stats has no hit ratio line: \(stats)")

        // verify: a flipped byte is 1 bad block (exit non-zero), then the cache is clean.
        let victim = harness.blockFilesOfBiggestExport()[1]
        try harness.flipByte(victim, at: 64 + 4096)
        let firstVerify = try harness.logdumpfs(["cache", "verify"] + cache)
        XCTAssertNotEqual(firstVerify.status, 0, "verify with a bad block: \(firstVerify)")
        XCTAssertFalse(firstVerify.timedOut)
        XCTAssertTrue(firstVerify.stdoutText.contains("\(blocksBefore.count) blocks checked, 1 bad"), "\(firstVerify)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim), "the bad block was not dropped")
        let secondVerify = assertSucceeds(try harness.logdumpfs(["cache", "verify"] + cache))
        XCTAssertTrue(secondVerify.stdoutText.contains("\(blocksBefore.count - 1) blocks checked, 0 bad"), "\(secondVerify)")

        // clear, unmounted: the cache is empty and the next read asks the server again.
        let clear = assertSucceeds(try harness.logdumpfs(["cache", "clear"] + cache))
        XCTAssertTrue(clear.stdoutText.contains("cleared \(blocksBefore.count - 1) blocks"), "\(clear)")
        XCTAssertEqual(harness.blockFiles(), [])
        let emptyStats = assertSucceeds(try harness.logdumpfs(["cache", "stats"] + cache))
        XCTAssertEqual(Self.number(before: " blocks of", in: emptyStats.stdoutText), 0, "\(emptyStats)")
        harness.emulator.resetCounters()
        try harness.mount()
        assertExact(harness, "(after clear)")
        XCTAssertGreaterThanOrEqual(harness.emulator.contentRequestCount, blocksBefore.count,
                                    "after clear every block must be fetched again")
    }

    /// The integer just before `marker` in `text` ("... in 7 blocks of ..." -> 7).
    static func number(before marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        return Int(text[..<range.lowerBound].split(separator: " ").last ?? "")
    }
}
