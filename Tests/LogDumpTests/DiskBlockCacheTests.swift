import Foundation
@testable import LogDump
import XCTest

final class DiskBlockCacheTests: XCTestCase {
    private var path = ""
    private let blockSize = 4096
    private let location = ReaderFixtures.location

    override func setUpWithError() throws {
        path = NSTemporaryDirectory() + "logdumpfs-disk-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        Files.remove(path)
    }

    private func open(capacity: Int) throws -> DiskBlockCache {
        DiskBlockCache(directory: try CacheDirectory(path: path), capacity: capacity, blockSize: blockSize)
    }

    private func key(_ index: Int) -> BlockKey { BlockKey(location, index) }
    private func bytes(_ index: Int, count: Int? = nil) -> [UInt8] {
        ReaderFixtures.bytes(count ?? blockSize, seed: UInt64(index + 1) * 7919)
    }

    /// A warm read maps the block file rather than copying it: the block's bytes are the
    /// file's, and stay readable after the file is replaced or deleted.
    func testBlocksAreMappedFromTheirFiles() throws {
        let cache = try open(capacity: 1 << 20)
        cache.store(bytes(0), for: key(0), validator: nil)
        let read = try XCTUnwrap(cache.block(for: key(0)))
        // /proc files say they are empty: read to the end rather than by their size.
        let maps = String(decoding: try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile(),
                          as: UTF8.self)
        let address = UInt(bitPattern: read.bytes.baseAddress!)
        let mapping = maps.split(separator: "\n").first { line in
            let bounds = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            return bounds.count == 2 && (bounds[0]..<bounds[1]).contains(address)
        }
        XCTAssertTrue(mapping?.hasSuffix(".blk") == true, "the block is not a mapping of its file: \(mapping ?? "none")")
        cache.store(bytes(1), for: key(1), validator: nil)
        _ = cache.noteValidator("changed", for: location) // deletes both files
        XCTAssertEqual(read.array, bytes(0))
    }

    /// Where no mapping can be made, a block file is read into a buffer: the same bytes.
    func testABlockFileReadsTheSameMappedOrCopied() throws {
        let cache = try open(capacity: 1 << 20)
        cache.store(bytes(0, count: 1000), for: key(0), validator: nil)
        let export = try cache.directory.exports.subdirectory(exportID(cache)).get()
        let limit = BlockFile.headerSize + blockSize
        let mapped = try export.map("0.blk", headerSize: BlockFile.headerSize, limit: limit).get()
        let copied = try export.map("0.blk", headerSize: BlockFile.headerSize, limit: limit, mapping: false).get()
        XCTAssertEqual(copied.header, mapped.header)
        XCTAssertEqual(copied.body.array, bytes(0, count: 1000))
        XCTAssertEqual(mapped.body.array, bytes(0, count: 1000))
    }

    func testBlocksSurviveReopening() throws {
        do {
            let cache = try open(capacity: 1 << 20)
            cache.store(bytes(0), for: key(0), validator: nil)
            cache.store(bytes(1, count: 100), for: key(1), validator: nil)
            cache.recordSize(4196, of: location)
        }
        let cache = try open(capacity: 1 << 20)
        XCTAssertEqual(cache.block(for: key(0))?.array, bytes(0))
        XCTAssertEqual(cache.block(for: key(1))?.array, bytes(1, count: 100))
        XCTAssertNil(cache.block(for: key(2)))
        XCTAssertEqual(cache.recordedSize(of: location), 4196)
    }

    func testEvictsTheLeastRecentlyUsedBlockFirst() throws {
        let charge = DiskBlockCache.blockCharge(blockSize)
        let cache = try open(capacity: DiskBlockCache.fixedCharge + DiskBlockCache.exportCharge + 3 * charge)
        for index in 0..<3 { cache.store(bytes(index), for: key(index), validator: nil) }
        XCTAssertNotNil(cache.block(for: key(0))) // 1 is now the oldest
        cache.store(bytes(3), for: key(3), validator: nil)
        XCTAssertNil(cache.block(for: key(1)))
        for index in [0, 2, 3] { XCTAssertEqual(cache.block(for: key(index))?.array, bytes(index), "block \(index)") }
        XCTAssertEqual(cache.statistics.evictedBlocks, 1)
    }

    /// The bound holds after every step of a random workload, in the cache's own
    /// accounting and as `du` would count the directory.
    func testNeverExceedsItsBoundUnderARandomWorkload() throws {
        let capacity = DiskBlockCache.fixedCharge + 2 * DiskBlockCache.exportCharge + 7 * DiskBlockCache.blockCharge(blockSize)
        let cache = try open(capacity: capacity)
        var generator = SystemRandomNumberGenerator()
        let locations = [location, ExportLocation(endpoint: location.endpoint,
                                                  key: ExportKey(projectID: "p", serverID: "s", exportID: "other"))]
        for step in 0..<400 {
            let key = BlockKey(locations.randomElement(using: &generator)!, Int.random(in: 0..<20, using: &generator))
            let content = ReaderFixtures.bytes(Int.random(in: 1...blockSize, using: &generator), seed: UInt64(step + 1))
            if Bool.random(using: &generator) {
                cache.store(content, for: key, validator: nil)
            } else {
                _ = cache.block(for: key)
            }
            XCTAssertLessThanOrEqual(cache.usage.bytes, capacity, "step \(step)")
            XCTAssertLessThanOrEqual(CacheSummary.read(path)?.bytesOnDisk ?? .max, capacity, "du at step \(step)")
        }
        XCTAssertGreaterThan(cache.statistics.evictedBlocks, 0)
    }

    func testAShrunkenCacheEvictsAtOpen() throws {
        do {
            let cache = try open(capacity: 1 << 20)
            for index in 0..<10 { cache.store(bytes(index), for: key(index), validator: nil) }
        }
        let capacity = DiskBlockCache.fixedCharge + DiskBlockCache.exportCharge + 4 * DiskBlockCache.blockCharge(blockSize)
        let cache = try open(capacity: capacity)
        XCTAssertEqual(cache.usage.blocks, 4)
        XCTAssertLessThanOrEqual(CacheSummary.read(path)?.bytesOnDisk ?? .max, capacity)
    }

    func testAFlippedByteIsDroppedNotServed() throws {
        let cache = try open(capacity: 1 << 20)
        cache.store(bytes(0), for: key(0), validator: nil)
        try flipByte(at: 100, inBlock: 0, cache)
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(cache.statistics.corruptBlocks, 1)
        XCTAssertFalse(cache.contains(key(0)), "the bad block is gone")
    }

    func testTornAndMisplacedFilesAreNotServed() throws {
        let cache = try open(capacity: 1 << 20)
        cache.store(bytes(0), for: key(0), validator: nil)
        cache.store(bytes(1), for: key(1), validator: nil)
        let zero = cache.directory.blockPath(exportID(cache), 0)
        let one = cache.directory.blockPath(exportID(cache), 1)
        XCTAssertEqual(truncate(zero, 2000), 0) // torn
        XCTAssertEqual(unlink(one), 0)
        try FileManager.default.copyItem(atPath: cache.directory.blockPath(exportID(cache), 0), toPath: one) // misplaced
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertNil(cache.block(for: key(1)))
    }

    func testLeftoversOfACrashAreRemovedAtOpen() throws {
        let id: String
        do {
            let cache = try open(capacity: 1 << 20)
            cache.store(bytes(0), for: key(0), validator: nil)
            id = exportID(cache)
        }
        let leftover = "\(path)/exports/\(id)/.tmp-5-123"
        try Data(repeating: 1, count: 5000).write(to: URL(fileURLWithPath: leftover))
        let cache = try open(capacity: 1 << 20)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
        XCTAssertEqual(cache.block(for: key(0))?.array, bytes(0))
    }

    func testAnotherFormatIsDiscardedCleanly() throws {
        do {
            let cache = try open(capacity: 1 << 20)
            cache.store(bytes(0), for: key(0), validator: nil)
        }
        try "logdumpfs cache format 0\n".write(toFile: "\(path)/VERSION", atomically: false, encoding: .utf8)
        let cache = try open(capacity: 1 << 20)
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(Files.list("\(path)/exports"), [])
        let marker = try XCTUnwrap(FileManager.default.contents(atPath: "\(path)/VERSION"))
        guard case .current = CacheMarker.parse(Array(marker)) else { return XCTFail("VERSION is not this format's") }
    }

    func testANewValidatorDropsTheExportsBlocksAndRefusesStaleOnes() throws {
        let cache = try open(capacity: 1 << 20)
        XCTAssertEqual(cache.noteValidator("\"v1\"", for: location), 0)
        cache.store(bytes(0), for: key(0), validator: "\"v1\"")
        XCTAssertEqual(cache.noteValidator("\"v1\"", for: location), 0)
        XCTAssertEqual(cache.noteValidator("\"v2\"", for: location), 1)
        XCTAssertNil(cache.block(for: key(0)))
        cache.store(bytes(0), for: key(0), validator: "\"v1\"") // a late block of the old version
        XCTAssertNil(cache.block(for: key(0)))
        cache.store(bytes(0), for: key(0), validator: "\"v2\"")
        XCTAssertEqual(cache.block(for: key(0))?.array, bytes(0))
    }

    /// The head of an export's first answer (validator, size) is kept in memory: its
    /// directory and export.json are written with its first block, off the way to the
    /// reader's first byte, or by the next statistics save when no block comes.
    func testANewExportsRecordIsWrittenWithItsFirstBlock() throws {
        let record = { (cache: DiskBlockCache) in cache.directory.recordPath(self.exportID(cache)) }
        do {
            let cache = try open(capacity: 1 << 20)
            XCTAssertEqual(cache.noteValidator("\"v1\"", for: location), 0)
            cache.recordSize(3 * 4096, of: location)
            XCTAssertFalse(FileManager.default.fileExists(atPath: record(cache)), "written before any block")
            XCTAssertEqual(cache.recordedSize(of: location), 3 * 4096)
            cache.store(bytes(0), for: key(0), validator: "\"v1\"")
            XCTAssertTrue(FileManager.default.fileExists(atPath: record(cache)))
        }
        let other = ExportLocation(endpoint: location.endpoint,
                                   key: ExportKey(projectID: "p9", serverID: "s9", exportID: "e9"))
        do {
            let reopened = try open(capacity: 1 << 20)
            XCTAssertEqual(reopened.recordedSize(of: location), 3 * 4096)
            XCTAssertEqual(reopened.noteValidator("\"v1\"", for: location), 0)
            XCTAssertEqual(reopened.block(for: key(0))?.array, bytes(0), "its validator was not recorded")
            _ = reopened.noteValidator("\"w\"", for: other)
            reopened.recordSize(5, of: other)
            reopened.saveStatistics(lookups: 0, memoryHits: 0, diskHits: 0)
        }
        XCTAssertEqual(try open(capacity: 1 << 20).recordedSize(of: other), 5, "not written by the statistics save")
    }

    func testASecondUserOfTheDirectoryIsRefused() throws {
        let first = try CacheDirectory(path: path)
        XCTAssertThrowsError(try CacheDirectory(path: path)) { error in
            XCTAssertTrue((error as? CacheDirectory.Failure)?.isBusy == true, "\(error)")
            XCTAssertTrue("\(error)".contains("in use by another logdumpfs (pid \(getpid()))"), "\(error)")
        }
        _ = first
    }

    func testDirectoryAndFilesAreTheOwnersOnly() throws {
        let cache = try open(capacity: 1 << 20)
        cache.store(bytes(0), for: key(0), validator: nil)
        XCTAssertEqual(try mode(path), 0o700)
        XCTAssertEqual(try mode(cache.directory.blockPath(exportID(cache), 0)), 0o600)
    }

    /// Through the loader: a corrupt block on disk is fetched again, once, and the
    /// reader gets the right bytes.
    func testACorruptBlockIsFetchedAgain() throws {
        let content = ReaderFixtures.bytes(3 * blockSize)
        let source = ReaderFixtures.source(content)
        let disk = try open(capacity: 1 << 20)
        func read() throws -> [UInt8] {
            // A fresh memory tier each time, as after a remount.
            let tiered = TieredBlockCache(memory: MemoryBlockCache(capacity: 1 << 20), disk: disk)
            let loader = ReaderFixtures.loader(source: source, cache: tiered) {
                $0.blockSize = blockSize
            }
            defer { loader.shutdown() }
            return try ReaderFixtures.readAll(ExportReader(location: location, size: UInt64(content.count), loader: loader), step: 1000)
        }
        XCTAssertEqual(try read(), content)
        XCTAssertEqual(source.requestCount, 3)
        XCTAssertEqual(try read(), content, "from disk")
        XCTAssertEqual(source.requestCount, 3, "no request for cached blocks")
        try flipByte(at: 64 + 5, inBlock: 1, disk)
        XCTAssertEqual(try read(), content)
        XCTAssertEqual(source.requestCount, 4, "one refetch")
    }

    /// Threads that want the same block from disk at once read it once: the others wait
    /// and take it from memory (a warm `cat` read four blocks in ten twice before).
    func testABlockWantedByManyThreadsIsReadFromDiskOnce() throws {
        let big = 4 << 20
        let disk = DiskBlockCache(directory: try CacheDirectory(path: path), capacity: 64 << 20, blockSize: big)
        for round in 0..<5 {
            let key = key(round)
            disk.store([UInt8](repeating: UInt8(round), count: big), for: key, validator: nil)
            let tiered = TieredBlockCache(memory: MemoryBlockCache(capacity: 64 << 20), disk: disk)
            let start = DispatchGroup(), done = DispatchGroup()
            start.enter()
            for _ in 0..<4 {
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    XCTAssertNotNil(tiered.block(for: key))
                    done.leave()
                }
            }
            start.leave()
            XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
            XCTAssertEqual(tiered.counters.diskHits, 1, "round \(round): read from disk more than once")
            XCTAssertEqual(tiered.counters.memoryHits, 3)
        }
    }

    // MARK: Helpers

    private func exportID(_ cache: DiskBlockCache) -> String {
        DiskBlockCache.exportID(ExportRecord.identity(of: location, blockSize: blockSize))
    }

    private func flipByte(at offset: Int, inBlock index: Int, _ cache: DiskBlockCache) throws {
        let file = cache.directory.blockPath(exportID(cache), index)
        var data = try Data(contentsOf: URL(fileURLWithPath: file))
        data[offset] ^= 0x40
        try data.write(to: URL(fileURLWithPath: file))
    }

    private func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}

extension DiskBlockCacheTests {
    /// A block file deleted behind the cache's back is a miss, and is forgotten.
    func testADeletedBlockFileIsForgotten() throws {
        let cache = DiskBlockCache(directory: try CacheDirectory(path: path), capacity: 1 << 20, blockSize: 4096)
        let key = BlockKey(ReaderFixtures.location, 0)
        cache.store(ReaderFixtures.bytes(4096), for: key, validator: nil)
        let id = DiskBlockCache.exportID(ExportRecord.identity(of: ReaderFixtures.location, blockSize: 4096))
        XCTAssertEqual(unlink(cache.directory.blockPath(id, 0)), 0)
        XCTAssertNil(cache.block(for: key))
        XCTAssertFalse(cache.contains(key))
        XCTAssertEqual(cache.usage.blocks, 0)
    }
}
