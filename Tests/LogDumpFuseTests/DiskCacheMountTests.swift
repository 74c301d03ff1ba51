import Foundation
import Glibc
import XCTest

/// The disk cache through real mounts: a remount reads from disk alone, a damaged block
/// is fetched again (and only it), and the cache's files are private to their owner.
final class DiskCacheMountTests: MountTestCase {
    /// The memory tier can hold no more than two blocks, so every hit below is the disk's.
    static let smallMemory = ["--memory-limit", "6M", "--max-connections", "2"]

    func testRemountReadsEverythingFromDiskWithSizes() throws { try checkRemountWithoutRequests(includeSizes: true) }
    func testRemountReadsEverythingFromDiskProbedSizes() throws { try checkRemountWithoutRequests(includeSizes: false) }

    private func checkRemountWithoutRequests(includeSizes: Bool) throws {
        let harness = try mountedHarness(includeSizes: includeSizes)
        assertExact(harness, "(first mount, cold cache)")
        XCTAssertGreaterThan(harness.emulator.contentRequestCount, 0, "the first read fetched nothing?")
        assertUnmounts(harness)
        XCTAssertFalse(harness.blockFiles().isEmpty, "no block files in \(harness.cacheDirectory)")

        harness.emulator.resetCounters()
        try harness.mount(extraArguments: Self.smallMemory)
        if !includeSizes {
            // The probed sizes were recorded: stat knows them without asking the server.
            for export in harness.exports {
                let result = assertSucceeds(harness.tools.run("stat", ["-c", "%s", harness.mounted(export)], timeout: 15))
                XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), String(export.size),
                               "recorded size of \(export.exportID)")
            }
        }
        assertExact(harness, "(remount, warm disk cache)")
        XCTAssertEqual(harness.emulator.contentRequestCount, 0,
                       "a remount over a full cache asked the server (sizes \(includeSizes ? "given" : "probed")); daemon said:\n\(harness.daemonOutput())")
    }

    /// A flipped byte in a block's data, then in another block's header: each time the
    /// bytes stay exact, that block alone is fetched again, and the daemon says why.
    func testFlippedByteIsCaughtAndFetchedAgain() throws {
        let harness = try mountedHarness()
        let big = try Fixture.big
        assertExact(harness, [big], "(cold)")
        assertUnmounts(harness)
        let blocks = harness.blockFilesOfBiggestExport()
        XCTAssertGreaterThanOrEqual(blocks.count, 5, "blocks of the big export: \(blocks)")
        guard blocks.count >= 4 else { return }

        for (round, (path, offset)) in [(blocks[2], 64 + 12_345), (blocks[3], 20)].enumerated() {
            let part = offset < 64 ? "header" : "data"
            try harness.flipByte(path, at: offset)
            harness.emulator.resetCounters()
            try harness.mount(extraArguments: Self.smallMemory)
            assertExact(harness, [big], "(after flipping byte \(offset) of \(path))")
            XCTAssertEqual(harness.emulator.contentRequestCount, 1,
                           "round \(round): requests after flipping a \(part) byte of one block; daemon said:\n\(harness.daemonOutput())")
            XCTAssertEqual(harness.daemonLines(containing: "failed its check").count, 1,
                           "round \(round) (\(part)): expected one \"failed its check\" line; daemon said:\n\(harness.daemonOutput())")
            assertUnmounts(harness)
            // The block fetched again was written back whole.
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(path) was not cached again")
        }

        // And now the cache is good again: no request at all.
        harness.emulator.resetCounters()
        try harness.mount(extraArguments: Self.smallMemory)
        assertExact(harness, [big], "(after both repairs)")
        XCTAssertEqual(harness.emulator.contentRequestCount, 0, "the repaired blocks were not cached again")
        XCTAssertEqual(harness.daemonLines(containing: "failed its check"), [])
    }

    /// The cache holds other people's log archives: what it makes is 0700 (directories)
    /// and 0600 (files). An empty directory that existed as 0755 keeps its mode (never
    /// chmodded behind the user's back), its exports/ is 0700 all the same.
    func testCacheFilesArePrivate() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        XCTAssertEqual(mkdir(harness.cacheDirectory, 0o755), 0)
        chmod(harness.cacheDirectory, 0o755)
        try harness.mount()
        assertExact(harness)
        assertUnmounts(harness)

        let cache = harness.cacheDirectory
        XCTAssertEqual(String(mode(cache), radix: 8), "755", "mode of \(cache)")
        XCTAssertEqual(String(mode(cache + "/exports"), radix: 8), "700", "mode of exports/")
        let blocks = harness.blockFiles()
        XCTAssertFalse(blocks.isEmpty)
        var files = blocks
        for directory in Set(blocks.map { ($0 as NSString).deletingLastPathComponent }) {
            XCTAssertEqual(String(mode(directory), radix: 8), "700", "mode of \(directory)")
            files.append(directory + "/export.json")
        }
        files += ["lock", "VERSION", "stats.json"].map { "\(cache)/\($0)" }
        for file in files {
            XCTAssertEqual(String(mode(file), radix: 8), "600", "mode of \(file)")
        }
    }
}

/// Damage of other shapes than a flipped byte: what a crash, a stray copy or an old
/// version of logdumpfs may leave in the cache directory.
final class DamagedCacheTests: MountTestCase {
    /// A truncated block, an empty one, one renamed over another index, and a stray
    /// temporary file: the bytes stay exact and exactly the three bad blocks are fetched.
    func testTruncatedEmptyAndMisplacedBlocksAreFetchedAgain() throws {
        let harness = try mountedHarness()
        let big = try Fixture.big
        assertExact(harness, [big], "(cold)")
        assertUnmounts(harness)
        let blocks = harness.blockFilesOfBiggestExport()
        XCTAssertGreaterThanOrEqual(blocks.count, 5, "\(blocks)")
        guard blocks.count >= 5 else { return }
        XCTAssertEqual(truncate(blocks[1], 64 + 1000), 0)
        XCTAssertEqual(truncate(blocks[2], 0), 0)
        XCTAssertEqual(unlink(blocks[4]), 0)
        XCTAssertEqual(link(blocks[3], blocks[4]), 0) // block 3's bytes under block 4's name
        let stray = (blocks[0] as NSString).deletingLastPathComponent + "/.tmp-7-12345"
        try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: stray))

        harness.emulator.resetCounters()
        try harness.mount(extraArguments: DiskCacheMountTests.smallMemory)
        assertExact(harness, [big], "(after damaging blocks)")
        // Block 2 (empty) is swept at start; 1 and 4 fail their check when read.
        XCTAssertEqual(harness.emulator.contentRequestCount, 3, "requests; daemon said:\n\(harness.daemonOutput())")
        XCTAssertFalse(FileManager.default.fileExists(atPath: stray), "the stray temporary file is still there")
        assertUnmounts(harness)
        let verify = try harness.logdumpfs(["cache", "verify", "--cache-dir", harness.cacheDirectory])
        assertSucceeds(verify, "verify after the repairs")
        XCTAssertTrue(verify.stdoutText.contains(", 0 bad"), "\(verify)")
    }

    /// A cache of another format version is discarded whole (with a warning), not misread.
    func testCacheOfAnotherFormatIsDiscarded() throws {
        let harness = try mountedHarness()
        assertExact(harness)
        assertUnmounts(harness)
        let blocks = harness.blockFiles().count
        try "logdumpfs cache format 0\n".write(toFile: harness.cacheDirectory + "/VERSION", atomically: false, encoding: .utf8)
        harness.emulator.resetCounters()
        try harness.mount()
        XCTAssertEqual(harness.daemonLines(containing: "another format").count, 1, harness.daemonOutput())
        assertExact(harness, "(after a format change)")
        XCTAssertGreaterThanOrEqual(harness.emulator.contentRequestCount, blocks, "old-format blocks were used")
    }

    /// The export changes on the server between two mounts while half of it is cached:
    /// a read gives the old bytes or the new ones (or fails), never a mix of both.
    func testChangedExportIsNeverMixedWithCachedBlocks() throws {
        let harness = try makeHarness()
        let old = try harness.addRandomExport(bytes: 6 << 20)
        try harness.writeManifest([ManifestItem(old)])
        try harness.mount(extraArguments: DiskCacheMountTests.smallMemory)
        assertExact(harness, [old], "(old version)")
        assertUnmounts(harness)
        // Keep blocks 0-2 only.
        for block in harness.blockFiles() where MountHarness.blockIndex(block) > 2 { unlink(block) }

        // The same size, other bytes, another mtime: another ETag and Last-Modified.
        let served = "\(harness.exportsDirectory)/\(old.emulatorRelativePath)"
        let replacement = harness.directory + "/replacement.bin"
        XCTAssertTrue(harness.tools.run("head", ["-c", String(old.size), "/dev/urandom"], stdoutTo: replacement).succeeded)
        XCTAssertEqual(unlink(served), 0)
        try FileManager.default.linkItem(atPath: replacement, toPath: served)
        XCTAssertTrue(harness.tools.run("touch", ["-d", "2027-01-01 00:00:00", served]).succeeded)
        let newSum = String(harness.tools.run("sha256sum", [served]).stdoutText.prefix(64))

        try harness.mount(extraArguments: DiskCacheMountTests.smallMemory)
        let read = harness.tools.run("sha256sum", [harness.mounted(old)], timeout: 30)
        let got = String(read.stdoutText.prefix(64))
        let verdict = !read.succeeded ? "the read failed" : got == old.sha256 ? "old bytes" : got == newSum ? "new bytes" : "A MIX"
        print("[changed export] read gave \(verdict)")
        XCTAssertTrue(!read.succeeded || got == old.sha256 || got == newSum,
                      "a read of a changed export mixed cached old blocks with new ones: \(read)\ndaemon said:\n\(harness.daemonOutput())")
        // And once the change is known, a second read is wholly new.
        let again = String(harness.tools.run("sha256sum", [harness.mounted(old)], timeout: 30).stdoutText.prefix(64))
        print("[changed export] a second read gave \(again == old.sha256 ? "old bytes" : again == newSum ? "new bytes" : again == got ? "the same mix" : "another mix")")
        assertExact(harness, [FixtureExport(projectID: old.projectID, serverID: old.serverID, exportID: old.exportID,
                                            createdAt: old.createdAt, createdAtEpoch: old.createdAtEpoch, size: old.size,
                                            sha256: newSum, fixturePath: replacement)], "(second read after the change)")
    }
}
