import Foundation
import Glibc
import XCTest

/// The cache directory is a path someone typed, and the daemon runs as root. Whatever
/// was planted in it or done to it, `logdumpfs mount`, `cache clear` and `cache verify`
/// read, write and delete nothing outside it: a refused directory gets one sentence and
/// a non-zero exit, and each victim outside the cache keeps its bytes.
final class CacheDirectorySafetyTests: MountTestCase {
    private let victimText = "precious, outside the cache\n"

    /// A victim file and a victim directory (with a file and a subdirectory) beside the cache.
    private func makeVictims(_ harness: MountHarness) throws -> (file: String, directory: String) {
        let file = harness.directory + "/victim.txt"
        let directory = harness.directory + "/victim-dir"
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        for path in [file, directory + "/keep.txt", directory + "/sub/keep.txt"] {
            try victimText.write(toFile: path, atomically: false, encoding: .utf8)
        }
        return (file, directory)
    }

    private func assertVictimsIntact(_ victims: (file: String, directory: String), _ message: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
        for path in [victims.file, victims.directory + "/keep.txt", victims.directory + "/sub/keep.txt"] {
            XCTAssertEqual(try? String(contentsOfFile: path, encoding: .utf8), victimText, "\(path) \(message)",
                           file: file, line: line)
        }
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: victims.directory))?.sorted(),
                       ["keep.txt", "sub"], "\(victims.directory) \(message)", file: file, line: line)
    }

    /// A mount that filled the harness's cache, unmounted.
    private func filledCache() throws -> MountHarness {
        let harness = try mountedHarness()
        assertExact(harness, "(filling the cache)")
        assertUnmounts(harness)
        XCTAssertFalse(harness.blockFiles().isEmpty)
        return harness
    }

    /// Once what was wrong is put right, the same cache mounts and serves exact bytes from
    /// its blocks alone: a refusal kept it whole.
    private func assertMountsFromItsBlocks(_ harness: MountHarness, _ message: String,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        harness.emulator.resetCounters()
        try harness.mount()
        assertExact(harness, message, file: file, line: line)
        XCTAssertEqual(harness.emulator.contentRequestCount, 0, "the cache's blocks were not used \(message)",
                       file: file, line: line)
        assertUnmounts(harness, file: file, line: line)
    }

    /// The mount stops on the cache directory with `phrase` and a non-zero exit (no
    /// fallback to memory), and so do `cache clear` and `cache verify`.
    private func assertRefused(_ harness: MountHarness, cache: String? = nil, saying phrase: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let cache = cache ?? harness.cacheDirectory
        do {
            try harness.mount(extraArguments: ["--cache-dir", cache], timeout: 10)
            XCTFail("the mount came up on a cache directory it must refuse", file: file, line: line)
            assertUnmounts(harness, file: file, line: line)
        } catch {
            let status = harness.signalDaemon(0, timeout: 10)
            XCTAssertNotNil(status, "the refused daemon did not exit", file: file, line: line)
            XCTAssertNotEqual(status, 0, "a refused mount exits non-zero", file: file, line: line)
            XCTAssertTrue(harness.daemonOutput().contains(phrase), "expected \"\(phrase)\" from the mount: \(harness.daemonOutput())",
                          file: file, line: line)
        }
        XCTAssertFalse(MountHarness.isMounted(harness.mountpoint), file: file, line: line)
        for command in ["clear", "verify"] {
            assertFails(try harness.logdumpfs(["cache", command, "--cache-dir", cache]), saying: phrase, within: 10,
                        file: file, line: line)
        }
    }

    func testAPlantedLockLinkIsRefusedAndItsTargetKept() throws {
        let harness = try filledCache()
        let victims = try makeVictims(harness)
        let blocks = harness.blockFiles()
        let lock = harness.cacheDirectory + "/lock"
        XCTAssertEqual(unlink(lock), 0)
        XCTAssertEqual(symlink(victims.file, lock), 0)
        try assertRefused(harness, saying: "\(lock) is not a file the cache made")
        assertVictimsIntact(victims, "(a link planted as the lock)")
        XCTAssertEqual(harness.blockFiles(), blocks, "a refused command deleted blocks")

        XCTAssertEqual(unlink(lock), 0)
        try assertMountsFromItsBlocks(harness, "(the lock link removed)")
    }

    /// A block file replaced by a link to a good copy of itself outside the cache: never
    /// followed (so never served from there), but dropped and fetched again; `verify`
    /// counts it bad, `clear` removes the link, not its target.
    func testAPlantedBlockLinkIsDroppedNeverFollowed() throws {
        let harness = try filledCache()
        let victims = try makeVictims(harness)
        let block = harness.blockFilesOfBiggestExport()[1]
        let outside = harness.directory + "/outside.blk"
        func plant() throws {
            unlink(block) // gone after verify drops it
            XCTAssertEqual(symlink(outside, block), 0)
        }
        try FileManager.default.copyItem(atPath: block, toPath: outside)
        let copy = try Data(contentsOf: URL(fileURLWithPath: outside))
        try plant()

        harness.emulator.resetCounters()
        try harness.mount()
        assertExact(harness, "(a block planted as a link)")
        XCTAssertEqual(harness.daemonLines(containing: "it is a symbolic link").count, 1, harness.daemonOutput())
        XCTAssertEqual(harness.emulator.contentRequestCount, 1, "the linked block was not fetched again")
        assertUnmounts(harness)
        XCTAssertEqual(mode(block), 0o600, "the block was not written again as a file of its own")

        try plant()
        let verify = try harness.logdumpfs(["cache", "verify", "--cache-dir", harness.cacheDirectory])
        XCTAssertNotEqual(verify.status, 0, "\(verify)")
        XCTAssertTrue(verify.stdoutText.contains(", 1 bad"), "\(verify)")
        XCTAssertTrue(verify.stderr.contains("it is a symbolic link"), "\(verify)")
        XCTAssertEqual(mode(block), -1, "verify did not drop the link")

        try plant()
        assertSucceeds(try harness.logdumpfs(["cache", "clear", "--cache-dir", harness.cacheDirectory]))
        XCTAssertEqual(harness.blockFiles(), [])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: outside)), copy, "the link's target changed")
        assertVictimsIntact(victims, "(a block planted as a link)")
    }

    func testAPlantedExportsLinkIsRefusedAndItsTargetKept() throws {
        let harness = try filledCache()
        let victims = try makeVictims(harness)
        let exports = harness.cacheDirectory + "/exports"
        XCTAssertEqual(rename(exports, harness.directory + "/exports-aside"), 0)
        XCTAssertEqual(symlink(victims.directory, exports), 0)
        try assertRefused(harness, saying: "\(exports) is not a directory the cache made")
        assertVictimsIntact(victims, "(a link planted as exports/)")
    }

    func testADirectoryOfAnotherUserIsRefusedUntouched() throws {
        let harness = try filledCache()
        let blocks = harness.blockFiles()
        let cache = harness.cacheDirectory
        XCTAssertEqual(chown(cache, 12345, 12345), 0)
        try assertRefused(harness, saying: "cache directory \(cache) is owned by uid 12345 and has mode 0700: it must be owned by uid \(geteuid())")
        var info = stat()
        XCTAssertEqual(stat(cache, &info), 0)
        XCTAssertEqual(info.st_uid, 12345, "the owner was changed")
        XCTAssertEqual(mode(cache), 0o700)
        XCTAssertEqual(harness.blockFiles(), blocks, "a refused command deleted blocks")

        XCTAssertEqual(chown(cache, geteuid(), getegid()), 0)
        try assertMountsFromItsBlocks(harness, "(owner restored)")
    }

    func testADirectoryOthersCanWriteIsRefusedNotChmodded() throws {
        let harness = try filledCache()
        let blocks = harness.blockFiles()
        let cache = harness.cacheDirectory
        XCTAssertEqual(chmod(cache, 0o777), 0)
        try assertRefused(harness, saying: "cache directory \(cache) is owned by uid \(geteuid()) and has mode 0777: it must be owned by uid \(geteuid()) and writable by it only (chmod 700 \(cache))")
        XCTAssertEqual(mode(cache), 0o777, "the mode was changed")
        XCTAssertEqual(harness.blockFiles(), blocks, "a refused command deleted blocks")
        XCTAssertEqual(chmod(cache, 0o700), 0)
        try assertMountsFromItsBlocks(harness, "(chmod 700 done)")
    }

    /// A directory with files of its own and no cache marker: neither emptied nor
    /// chmodded, and the mount does not go on without a disk cache.
    func testANonEmptyDirectoryThatIsNoCacheIsRefusedUntouched() throws {
        let harness = try makeHarness()
        try harness.writeManifest()
        let directory = harness.directory + "/not-a-cache"
        try FileManager.default.createDirectory(atPath: directory + "/exports/keep", withIntermediateDirectories: true)
        for name in ["notes.txt", "stats.json", "exports/keep/file.txt"] {
            try victimText.write(toFile: "\(directory)/\(name)", atomically: false, encoding: .utf8)
        }
        XCTAssertEqual(chmod(directory, 0o755), 0)
        try assertRefused(harness, cache: directory, saying: "cache directory \(directory) ")
        XCTAssertTrue(harness.daemonOutput().contains("is not empty and holds no logdumpfs cache"), harness.daemonOutput())
        for name in ["notes.txt", "stats.json", "exports/keep/file.txt"] {
            XCTAssertEqual(try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8), victimText, name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["exports", "notes.txt", "stats.json"])
        XCTAssertEqual(mode(directory), 0o755, "the mode was changed")
    }

    /// `cache clear|verify|stats --cache-dir /`: refused at once (stats walked all of `/`
    /// before), and `/` keeps its mode and gains nothing (the old code chmodded it 0700).
    func testClearAndVerifyOfTheRootDirectoryDoNothing() throws {
        let harness = try makeHarness()
        let names = ["lock", "VERSION", "exports", "stats.json"]
        let present = names.filter { access("/\($0)", F_OK) == 0 || errno != ENOENT }
        guard present.isEmpty else { throw XCTSkip("/ already holds \(present): not touching it") }
        let rootMode = mode("/")
        addTeardownBlock {
            // Should the test fail, undo what a wrong clear did to /.
            if self.mode("/") != rootMode { chmod("/", mode_t(rootMode)) }
            for name in ["lock", "VERSION", "stats.json"] { unlink("/\(name)") }
            rmdir("/exports")
        }
        for command in ["clear", "verify", "stats"] {
            assertFails(try harness.logdumpfs(["cache", command, "--cache-dir", "/"]),
                        saying: "cache directory / holds no logdumpfs cache", within: 10)
            XCTAssertEqual(String(mode("/"), radix: 8), String(rootMode, radix: 8), "cache \(command) changed the mode of /")
            for name in names { XCTAssertNotEqual(access("/\(name)", F_OK), 0, "cache \(command) made /\(name)") }
        }
    }
}
