import Foundation
@testable import LogDump
import XCTest

/// The cache directory is a path someone typed, used by root: what was planted in it
/// (links, another user's or a shared directory, a directory that is no cache) is never
/// followed, written or emptied; each victim outside the cache keeps its bytes.
final class CacheDirectoryTests: XCTestCase {
    private var scratch = ""
    private var path: String { scratch + "/cache" }
    private var victim: String { scratch + "/victim" }
    private var victimDirectory: String { scratch + "/victim-dir" }
    private let victimText = "precious, outside the cache\n"
    private let blockSize = 4096
    private let location = ReaderFixtures.location

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "logdumpfs-cachedir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: victimDirectory, withIntermediateDirectories: true)
        try victimText.write(toFile: victim, atomically: false, encoding: .utf8)
        try victimText.write(toFile: victimDirectory + "/file", atomically: false, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        Files.remove(scratch)
    }

    private func open() throws -> DiskBlockCache {
        DiskBlockCache(directory: try CacheDirectory(path: path), capacity: 1 << 20, blockSize: blockSize)
    }

    private func key(_ index: Int) -> BlockKey { BlockKey(location, index) }
    private func bytes(_ index: Int) -> [UInt8] { ReaderFixtures.bytes(blockSize, seed: UInt64(index + 1) * 7919) }
    private var exportID: String { DiskBlockCache.exportID(ExportRecord.identity(of: location, blockSize: blockSize)) }

    /// A cache holding blocks 0 and 1, closed.
    private func makeCache() throws {
        let cache = try open()
        cache.store(bytes(0), for: key(0), validator: nil)
        cache.store(bytes(1), for: key(1), validator: nil)
    }

    private func assertVictimsIntact(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try? String(contentsOfFile: victim, encoding: .utf8), victimText, "the victim file", file: file, line: line)
        XCTAssertEqual(try? String(contentsOfFile: victimDirectory + "/file", encoding: .utf8), victimText,
                       "the victim directory's file", file: file, line: line)
        XCTAssertEqual(Files.list(victimDirectory), ["file"], file: file, line: line)
    }

    /// Opening the directory, to mount (`creating`) or for a cache command, is refused.
    private func assertRefused(saying phrase: String, creating: [Bool] = [true, false],
                               file: StaticString = #filePath, line: UInt = #line) {
        for creating in creating {
            XCTAssertThrowsError(try CacheDirectory(path: path, creating: creating), file: file, line: line) { error in
                let failure = error as? CacheDirectory.Failure
                XCTAssertEqual(failure?.kind, .refused, "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".contains(phrase), "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".contains(path), "the sentence names the path: \(error)", file: file, line: line)
            }
        }
    }

    /// Replaces the cache's entry `name` (a file or a tree) with a symbolic link to `target`.
    private func plantLink(_ name: String, to target: String, file: StaticString = #filePath, line: UInt = #line) {
        Files.remove("\(path)/\(name)")
        XCTAssertEqual(symlink(target, "\(path)/\(name)"), 0, file: file, line: line)
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    func testALinkedLockIsRefusedAndItsTargetUntouched() throws {
        try makeCache()
        plantLink("lock", to: victim)
        assertRefused(saying: "/lock is not a file the cache made")
        assertVictimsIntact()
    }

    func testAHardLinkedLockIsRefusedAndItsTargetUntouched() throws {
        try makeCache()
        XCTAssertEqual(unlink(path + "/lock"), 0)
        XCTAssertEqual(link(victim, path + "/lock"), 0)
        assertRefused(saying: "has other names")
        assertVictimsIntact()
    }

    /// A block file replaced by a link while the cache is open: a bad block, dropped (the
    /// link, not its target) and fetched again; at the next open, the same.
    func testALinkedBlockFileIsABadBlockNeverFollowed() throws {
        let block = path + "/exports/\(exportID)/0.blk"
        do {
            let cache = try open()
            cache.store(bytes(0), for: key(0), validator: nil)
            // A good block of this very cache, outside it: followed, it would pass its check.
            try FileManager.default.copyItem(atPath: block, toPath: victim + ".blk")
            plantLink("exports/\(exportID)/0.blk", to: victim)
            XCTAssertNil(cache.block(for: key(0)))
            XCTAssertEqual(cache.statistics.corruptBlocks, 1)
            XCTAssertFalse(FileManager.default.fileExists(atPath: block), "the link stays")
            assertVictimsIntact()
            cache.store(bytes(0), for: key(0), validator: nil)
            XCTAssertEqual(cache.block(for: key(0))?.array, bytes(0))
        }

        // Planted while closed, even pointing at a good block: indexed, then dropped when read.
        plantLink("exports/\(exportID)/0.blk", to: victim + ".blk")
        let reopened = try open()
        XCTAssertNil(reopened.block(for: key(0)))
        XCTAssertEqual(reopened.statistics.corruptBlocks, 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: victim + ".blk"))
        assertVictimsIntact()
    }

    func testVerifyCountsALinkedBlockAsBad() throws {
        try makeCache()
        plantLink("exports/\(exportID)/1.blk", to: victim)
        let cache = try open()
        XCTAssertEqual(cache.verifyAll().bad, 1)
        XCTAssertEqual(cache.block(for: key(0))?.array, bytes(0))
        assertVictimsIntact()
    }

    func testALinkedExportDirectoryIsRemovedNotFollowed() throws {
        try makeCache()
        plantLink("exports/\(exportID)", to: victimDirectory)
        let cache = try open()
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(Files.list(path + "/exports"), [])
        assertVictimsIntact()
    }

    func testALinkedExportsDirectoryIsRefused() throws {
        try makeCache()
        plantLink("exports", to: victimDirectory)
        assertRefused(saying: "/exports is not a directory the cache made")
        assertVictimsIntact()
    }

    /// A cache of another format is emptied through the same walk: a linked exports/ is
    /// removed as a link, and what the cache never writes stays.
    func testAnotherFormatIsEmptiedWithoutFollowingLinks() throws {
        try makeCache()
        plantLink("exports", to: victimDirectory)
        try "logdumpfs cache format 1\n".write(toFile: path + "/VERSION", atomically: false, encoding: .utf8)
        try "mine\n".write(toFile: path + "/notes.txt", atomically: false, encoding: .utf8)
        let cache = try open()
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(Files.list(path + "/exports"), [])
        XCTAssertEqual(try String(contentsOfFile: path + "/notes.txt", encoding: .utf8), "mine\n")
        assertVictimsIntact()
    }

    func testADirectoryOfAnotherOwnerIsRefusedUntouched() throws {
        guard geteuid() == 0 else { throw XCTSkip("chown to another user needs root") }
        try makeCache()
        XCTAssertEqual(chown(path, 12345, 12345), 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        assertRefused(saying: "is owned by uid 12345 and has mode 0700: it must be owned by uid 0 and writable by it only (chown 0 \(path))")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path).sorted(), before)
        XCTAssertEqual(mode(path), 0o700)
        XCTAssertEqual(chown(path, 0, 0), 0)
        XCTAssertEqual(try open().block(for: key(0))?.array, bytes(0), "the cache itself is fine")
    }

    func testADirectoryOthersCanWriteIsRefusedAndNotChmodded() throws {
        try makeCache()
        for shared: mode_t in [0o777, 0o770, 0o1777] {
            XCTAssertEqual(chmod(path, shared), 0)
            assertRefused(saying: "and has mode \(String(shared, radix: 8).count == 3 ? "0" : "")\(String(shared, radix: 8)): it must be owned by uid \(geteuid()) and writable by it only (chmod 700 \(path))")
            XCTAssertEqual(mode(path), shared, "the mode was changed")
        }
        XCTAssertEqual(chmod(path, 0o755), 0)
        XCTAssertEqual(try open().block(for: key(0))?.array, bytes(0), "0755 is not writable by others: accepted as it is")
        XCTAssertEqual(mode(path), 0o755)
    }

    /// A directory with other files and no marker is no cache: nothing in it is deleted,
    /// created or chmodded (the old code deleted its exports/ and chmodded it 0700).
    func testANonEmptyDirectoryWithoutAMarkerIsRefusedUntouched() throws {
        try FileManager.default.createDirectory(atPath: path + "/exports/keep", withIntermediateDirectories: true)
        try victimText.write(toFile: path + "/exports/keep/file", atomically: false, encoding: .utf8)
        try victimText.write(toFile: path + "/stats.json", atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(path, 0o755), 0)
        assertRefused(saying: "is not empty and holds no logdumpfs cache", creating: [true])
        assertRefused(saying: "holds no logdumpfs cache", creating: [false])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path).sorted(), ["exports", "stats.json"])
        XCTAssertEqual(try String(contentsOfFile: path + "/exports/keep/file", encoding: .utf8), victimText)
        XCTAssertEqual(try String(contentsOfFile: path + "/stats.json", encoding: .utf8), victimText)
        XCTAssertEqual(mode(path), 0o755)
        try "some other program's VERSION\n".write(toFile: path + "/VERSION", atomically: false, encoding: .utf8)
        assertRefused(saying: "holds no logdumpfs cache")
    }

    /// An empty directory becomes a cache (as it is: no chmod); without `creating` (the
    /// cache commands) it is refused, and nothing is created in it.
    func testAnEmptyDirectoryBecomesACacheOnlyWhenCreating() throws {
        XCTAssertEqual(mkdir(path, 0o755), 0)
        assertRefused(saying: "holds no logdumpfs cache", creating: [false])
        XCTAssertEqual(Files.list(path), [])
        try makeCache()
        XCTAssertEqual(mode(path), 0o755)
        XCTAssertEqual(mode(path + "/VERSION"), 0o600)
        XCTAssertEqual(try open().block(for: key(1))?.array, bytes(1))
    }

    /// Each cache has its own random key: a block written by another cache (or by anyone
    /// who cannot read this one's marker) fails its check, though its identity matches.
    func testABlockWithoutTheCachesKeyFailsItsCheck() throws {
        try makeCache()
        let other = scratch + "/other"
        do {
            let cache = DiskBlockCache(directory: try CacheDirectory(path: other), capacity: 1 << 20, blockSize: blockSize)
            cache.store(bytes(5), for: key(0), validator: nil)
        }
        let planted = path + "/exports/\(exportID)/0.blk"
        XCTAssertEqual(unlink(planted), 0)
        try FileManager.default.copyItem(atPath: other + "/exports/\(exportID)/0.blk", toPath: planted)
        let cache = try open()
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(cache.statistics.corruptBlocks, 1)
        XCTAssertEqual(cache.block(for: key(1))?.array, bytes(1))
        XCTAssertNotEqual(try String(contentsOfFile: path + "/VERSION", encoding: .utf8),
                          try String(contentsOfFile: other + "/VERSION", encoding: .utf8))
    }

    func testClearRemovesLinksNotTheirTargets() throws {
        try makeCache()
        plantLink("exports/\(exportID)/0.blk", to: victim)
        plantLink("exports/\(exportID)/7.blk", to: victimDirectory)
        DiskCacheMaintenance.clear(try CacheDirectory(path: path, creating: false))
        XCTAssertEqual(Files.list(path + "/exports"), [])
        assertVictimsIntact()
    }
}
