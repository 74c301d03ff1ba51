import Foundation
import Glibc
import XCTest

/// The disk cache through real mounts: a remount reads from disk alone, a damaged block
/// is fetched again (and only it), and the cache's files are private to their owner.
final class DiskCacheMountTests: MountTestCase {
    /// The memory tier can hold no more than two blocks, so every hit below is the disk's.
    static let smallMemory = ["--memory-limit", "2M"]

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

    /// The cache holds other people's log archives: its directory is 0700 (even one that
    /// existed as 0755), its files 0600.
    func testCacheFilesArePrivate() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        XCTAssertEqual(mkdir(harness.cacheDirectory, 0o755), 0)
        chmod(harness.cacheDirectory, 0o755)
        try harness.mount()
        assertExact(harness)
        assertUnmounts(harness)

        let cache = harness.cacheDirectory
        XCTAssertEqual(String(mode(cache), radix: 8), "700", "mode of \(cache)")
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
