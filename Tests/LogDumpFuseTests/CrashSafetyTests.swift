import Foundation
import Glibc
import LogDumpEmulator
import XCTest

/// The daemon killed with SIGKILL in the middle of reads, again and again, leaves a cache
/// that serves exact bytes and that `cache verify` finds clean.
final class CrashSafetyTests: MountTestCase {
    /// Set LOGDUMPFS_CRASH_SEED to replay a failing run.
    func testKill9MidReadManyTimes() throws {
        let seed = ProcessInfo.processInfo.environment["LOGDUMPFS_CRASH_SEED"].flatMap(UInt64.init)
            ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("[crash] seed \(seed) (replay with LOGDUMPFS_CRASH_SEED=\(seed))")
        var random = SplitMix64(seed: seed)

        let harness = try makeHarness()
        let huge = try harness.addRandomExport(bytes: 24 << 20)
        let all = harness.exports + [huge]
        try harness.writeManifest(all.map { ManifestItem($0) })

        let big = try Fixture.big
        var crashes: [String] = []
        for round in 0..<10 {
            // Forget about three quarters of the cached blocks, so that this round's read
            // fetches and writes blocks when the kill comes (a warm cache reads too fast).
            var forgotten = 0
            for block in harness.blockFiles() where random.next() % 4 != 0 {
                unlink(block)
                forgotten += 1
            }
            try harness.mount(extraArguments: ["--memory-limit", "6M", "--max-connections", "2"])
            // Alternate the target, so the small exports' blocks are also written at crash time.
            let target = round % 3 == 2 ? big : huge
            let reader = try harness.tools.start("dd", ["if=\(harness.mounted(target))", "of=/dev/null", "bs=1M"],
                                                 timeout: 30)
            // 0-300 ms; every other round 0-100 ms, as an uncached 24 MiB read takes about that long.
            let delay = Int(random.next() % (round % 2 == 0 ? 100_001 : 300_001))
            usleep(UInt32(delay))
            let before = harness.blockFiles().count
            let problems = harness.crashDaemon()
            let read = reader.wait()
            crashes.append("round \(round): \(target.exportID) killed after \(delay / 1000) ms, \(forgotten) blocks forgotten, \(before) on disk at the kill, dd \(read.timedOut ? "TIMED OUT" : "status \(read.status)")")
            XCTAssertEqual(problems, [], "round \(round) (seed \(seed))")
            XCTAssertFalse(read.timedOut, "round \(round): the reader hung after the daemon died (seed \(seed))")
            guard problems.isEmpty else { break }
        }
        print("[crash] " + crashes.joined(separator: "\n[crash] "))

        harness.emulator.resetCounters()
        try harness.mount(extraArguments: ["--memory-limit", "6M", "--max-connections", "2"])
        assertExact(harness, all, "(after 10 crashes, seed \(seed))", timeout: 60)
        XCTAssertEqual(harness.daemonLines(containing: "failed its check"), [],
                       "a block written before a crash was damaged (seed \(seed)); daemon said:\n\(harness.daemonOutput())")
        assertUnmounts(harness)

        let verify = try harness.logdumpfs(["cache", "verify", "--cache-dir", harness.cacheDirectory])
        assertSucceeds(verify, "cache verify after the crashes (seed \(seed))")
        XCTAssertTrue(verify.stdoutText.contains(", 0 bad"), "verify: \(verify)")
        // No crash leftovers: temporary files were swept by the last mount's scan.
        let leftovers = harness.tools.run("find", [harness.cacheDirectory, "-name", ".tmp-*"], timeout: 10)
        XCTAssertEqual(leftovers.stdoutText, "", "temporary files left in the cache")
    }
}
