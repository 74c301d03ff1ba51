import Foundation
import Glibc
import LogDump
import LogDumpEmulator
import XCTest

/// The cache never takes more than --cache-size as `du` counts it, and a cache that cannot
/// be written (full, or not creatable) costs speed, never bytes.
final class CacheBoundTests: MountTestCase {
    func testCacheSmallerThanTheExportStaysWithinItsSize() throws {
        try checkBound(cacheSize: "3M", bound: 3 << 20)
    }

    /// The tightest bound the mount accepts: two blocks and the cache's fixed files.
    func testCacheOfTheMinimumSizeStaysWithinItsSize() throws {
        let minimum = DiskBlockCache.minimumCapacity(blockSize: 1 << 20)
        try checkBound(cacheSize: String(minimum), bound: minimum)
    }

    private func checkBound(cacheSize: String, bound: Int) throws {
        // Bodies capped at 8 MB/s (two connections), so a read lasts about a second and
        // the sampler sees it whatever the machine's speed.
        var plan = FaultPlan()
        plan.bandwidthBytesPerSecond = 8 << 20
        let harness = try makeHarness { $0.faults = plan }
        let large = try harness.addRandomExport(bytes: 12 << 20)
        let all = harness.exports + [large]
        try harness.writeManifest(all.map { ManifestItem($0) })
        let arguments = ["--cache-size", cacheSize, "--memory-limit", "6M", "--max-connections", "2"]
        // Twice: the second mount starts from a full cache and a stats.json.
        for run in 1...2 {
            try harness.mount(extraArguments: arguments)
            let sampler = DiskUsageSampler(path: harness.cacheDirectory, scratch: harness.directory + "/du-\(run)")
            assertExact(harness, all, "(cache of \(cacheSize), run \(run))")
            let samples = sampler.stop()
            assertUnmounts(harness)
            guard let after = harness.diskUsage(harness.cacheDirectory) else { return XCTFail("du failed") }
            print("[cache bound] --cache-size \(cacheSize) (\(bound)), run \(run): \(samples.count) samples, max \(samples.max() ?? -1), after unmount \(after)")
            XCTAssertGreaterThan(samples.count, 3, "too few du samples to mean anything")
            let over = samples.filter { $0 > bound }
            XCTAssertEqual(over, [], "run \(run): du of the cache exceeded --cache-size \(cacheSize) = \(bound) bytes (\(over.count) of \(samples.count) samples)\n\(Self.listing(harness))")
            XCTAssertLessThanOrEqual(after, bound, "run \(run): du after unmount\n\(Self.listing(harness))")
            XCTAssertGreaterThanOrEqual(harness.blockFiles().count, 1, "nothing was cached at all")
        }
    }

    static func listing(_ harness: MountHarness) -> String {
        harness.tools.run("du", ["-a", "--block-size=1", harness.cacheDirectory], timeout: 10).stdoutText
    }

    /// A tmpfs of 1.5 MiB under a --cache-size of 100M: the disk fills, the daemon says so
    /// once, and reads stay exact.
    func testFullFilesystemCostsNoBytes() throws {
        guard geteuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root: the full-disk test is SKIPPED") }
        let harness = try makeHarness()
        try harness.writeManifest()
        let tmpfs = makeTempDirectory(prefix: "logdumpfs-tmpfs")
        let mounted = harness.tools.run("mount", ["-t", "tmpfs", "-o", "size=1536k,mode=0700", "logdumpfs-test-tmpfs", tmpfs], timeout: 10)
        addTeardownBlock {
            // The daemon holds the cache's lock file open: stop it before the tmpfs goes.
            for problem in harness.unmount() { XCTFail("teardown: \(problem)") }
            let runner = ToolRunner(scratch: "/tmp")
            if Self.isTmpfs(tmpfs) { _ = runner.run("umount", [tmpfs], timeout: 10) }
            if Self.isTmpfs(tmpfs) { _ = runner.run("umount", ["-l", tmpfs], timeout: 10) }
            if Self.isTmpfs(tmpfs) { XCTFail("teardown: could not unmount the tmpfs on \(tmpfs)") } else { rmdir(tmpfs) }
        }
        guard mounted.succeeded else { throw XCTSkip("cannot mount a tmpfs (\(mounted)): the full-disk test is SKIPPED") }
        let cache = tmpfs + "/cache"
        try harness.mount(extraArguments: ["--cache-dir", cache, "--cache-size", "100M"])
        assertExact(harness, "(cache on a full tmpfs)")
        let df = harness.tools.run("df", ["--block-size=1", tmpfs], timeout: 10).stdoutText
        print("[full disk] \(df)")
        XCTAssertFalse(harness.blockFiles(in: cache).isEmpty, "nothing was cached before the disk filled")
        let warnings = harness.daemonLines(containing: "cannot write")
        XCTAssertEqual(warnings.count, 1, "expected exactly one \"cannot write\" warning; daemon said:\n\(harness.daemonOutput())")
        // A second pass (blocks partly on disk, partly not) is exact too.
        assertExact(harness, "(second pass, full tmpfs)")
        XCTAssertEqual(harness.daemonLines(containing: "cannot write").count, 1, harness.daemonOutput())
        assertUnmounts(harness)
    }

    static func isTmpfs(_ path: String) -> Bool {
        MountHarness.mountTable().contains { $0.mountpoint == path && $0.type == "tmpfs" }
    }

    /// A cache directory that cannot be created (below a regular file): the mount comes
    /// up anyway, caches in memory only, and says so once.
    func testUncreatableCacheDirectoryFallsBackToMemory() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let file = harness.directory + "/afile"
        try Data("not a directory\n".utf8).write(to: URL(fileURLWithPath: file))
        try harness.mount(extraArguments: ["--cache-dir", file + "/cache"])
        assertExact(harness, "(no disk cache)")
        assertExact(harness, "(no disk cache, again)")
        XCTAssertEqual(harness.daemonLines(containing: "memory only").count, 1,
                       "expected one \"memory only\" warning; daemon said:\n\(harness.daemonOutput())")
        XCTAssertTrue(harness.daemonOutput().contains(file), "the warning should name the path:\n\(harness.daemonOutput())")
        assertUnmounts(harness)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "not a directory\n")
    }
}

/// Runs `du -s --block-size=1` on a path every ~20 ms on a thread of its own until stopped.
final class DiskUsageSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [Int] = []
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(path: String, scratch: String) {
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        Thread.detachNewThread { [self] in
            let runner = ToolRunner(scratch: scratch)  // this thread's own
            while !lock.withLock({ stopped }) {
                let result = runner.run("du", ["-s", "--block-size=1", path], timeout: 10)
                if let bytes = result.stdoutText.split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap({ Int($0) }) {
                    lock.withLock { samples.append(bytes) }
                }
                usleep(20_000)
            }
            done.signal()
        }
    }

    /// Stops sampling and returns every sample taken.
    func stop() -> [Int] {
        lock.withLock { stopped = true }
        _ = done.wait(timeout: .now() + 15)
        return lock.withLock { samples }
    }
}
