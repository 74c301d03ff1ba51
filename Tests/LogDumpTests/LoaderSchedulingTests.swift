import Foundation
import LogDump
import XCTest

/// One export's readahead must not take every fetch thread: a reader of another export
/// is served while the first export's transfers hang.
final class ReadaheadFairnessTests: XCTestCase {
    func testAHangingExportLeavesConnectionsForOthers() throws {
        let slow = ReaderFixtures.location
        let fast = ExportLocation(endpoint: slow.endpoint, key: ExportKey(projectID: "p1", serverID: "s1", exportID: "fast"))
        let bytes = ReaderFixtures.bytes(64 * 4096)
        let source = GatedSource(gated: slow, bytes: bytes, other: fast)
        let loader = ReaderFixtures.loader(source: source) {
            $0.workers = 4
        }
        defer { source.open(); loader.shutdown() }

        source.allow(1) // the first answer tells the loader that Range is honoured
        XCTAssertEqual(Array(try ExportReader(location: slow, size: nil, loader: loader).read(at: 0, count: 10)),
                       Array(bytes[0..<10]))
        loader.prefetch(slow, blocks: 1..<40) // every one of these hangs at the gate
        XCTAssertTrue(source.waitUntilWaiting(atLeast: 2), "readahead did not start")
        usleep(200_000) // time for any further fetch thread to reach the gate too
        let other = Array(try ExportReader(location: fast, size: nil, loader: loader).read(at: 5000, count: 100))
        XCTAssertFalse(source.isOpen, "the other export's read waited for the hanging one's gate")
        XCTAssertEqual(other, Array(bytes[5000..<5100]))
    }
}

/// A source whose transfers of one export wait at a gate (30 s at most), except the
/// first `allow`ed ones.
private final class GatedSource: ExportSource, @unchecked Sendable {
    let memory = MemoryExportSource()
    private let gated: ExportLocation
    private let condition = NSCondition()
    private var allowed = 0
    private var waiting = 0
    private(set) var isOpen = false

    init(gated: ExportLocation, bytes: [UInt8], other: ExportLocation) {
        self.gated = gated
        memory.add(bytes, at: gated)
        memory.add(bytes, at: other)
    }

    func allow(_ count: Int) { condition.withLock { allowed += count } }

    /// Waits (10 s at most) until `count` transfers wait at the gate.
    func waitUntilWaiting(atLeast count: Int) -> Bool {
        condition.withLock {
            let deadline = Date().addingTimeInterval(10)
            while waiting < count && condition.wait(until: deadline) {}
            return waiting >= count
        }
    }

    func open() {
        condition.withLock {
            isOpen = true
            condition.broadcast()
        }
    }

    func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        if request.location == gated {
            condition.withLock {
                if allowed > 0 { allowed -= 1; return }
                waiting += 1
                condition.broadcast()
                let deadline = Date().addingTimeInterval(30)
                while !isOpen && condition.wait(until: deadline) {}
                isOpen = true
                waiting -= 1
            }
        }
        try memory.transfer(request, into: sink)
    }
}

/// Readahead never has more than `maxReadahead` bytes queued or in flight.
final class ReadaheadBudgetTests: XCTestCase {
    func testReadaheadWaitsForRoom() throws {
        let bytes = ReaderFixtures.bytes(200 * 4096)
        let source = ReaderFixtures.source(bytes)
        let loader = ReaderFixtures.loader(source: source) {
            $0.workers = 4
            $0.maxReadahead = 4 * 4096
        }
        defer { loader.shutdown() }
        _ = try loader.block(BlockKey(ReaderFixtures.location, 0)) // learns that Range is honoured
        loader.prefetch(ReaderFixtures.location, blocks: 1..<200)
        XCTAssertTrue(waitFor { source.requestCount == 5 })
        usleep(100_000) // nothing more may come
        XCTAssertEqual(source.requestCount, 5, "1 read + 4 blocks of readahead")
        loader.prefetch(ReaderFixtures.location, blocks: 1..<200) // room again: the next 4
        XCTAssertTrue(waitFor { source.requestCount == 9 })
        XCTAssertEqual(try loader.block(BlockKey(ReaderFixtures.location, 8)), Array(bytes[(8 * 4096)..<(9 * 4096)]))
        XCTAssertEqual(source.requestCount, 9, "block 8 came from readahead")
    }

    private func waitFor(_ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while !condition() && Date() < deadline { usleep(2_000) }
        return condition()
    }
}

/// A reader waiting for a block's first bytes has them as soon as they arrive, not when
/// the whole block has.
final class PartialBlockTests: XCTestCase {
    func testFirstBytesArriveBeforeTheBlockEnds() throws {
        let bytes = ReaderFixtures.bytes(8192)
        let source = StallingSource(bytes: bytes)
        let loader = ReaderFixtures.loader(source: source) {
            $0.blockSize = 8192
            $0.workers = 2
        }
        defer { source.release(); loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: 8192, loader: loader)
        // The rest of the block is sent only after release(): this read returning at all
        // shows it did not wait for it (the reader may return before the source stalls).
        XCTAssertEqual(Array(try reader.read(at: 100, count: 1000)), Array(bytes[100..<1100]))
        XCTAssertTrue(source.waitUntilStalled(count: 1), "the block's transfer never stalled: the test proves nothing")
        source.release()
        XCTAssertEqual(Array(try reader.read(at: 5000, count: 3192)), Array(bytes[5000...]), "then the rest")
    }
}

/// Random reads of bytes not cached fetch just those bytes; cached ones come from blocks.
final class ExactRangeReadTests: XCTestCase {
    func testRandomReadsFetchOnlyTheirBytes() throws {
        let bytes = ReaderFixtures.bytes(64 * 4096)
        let source = ReaderFixtures.source(bytes)
        let loader = ReaderFixtures.loader(source: source) {
            $0.workers = 2
            $0.sequentialTolerance = 8192
        }
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        func read(_ offset: Int, _ count: Int) throws -> [UInt8] { Array(try reader.read(at: UInt64(offset), count: count)) }

        XCTAssertEqual(try read(0, 100), Array(bytes[0..<100]))                 // block 0
        XCTAssertEqual(try read(200_000, 100), Array(bytes[200_000..<200_100])) // one jump: blocks
        XCTAssertEqual(try read(100_000, 100), Array(bytes[100_000..<100_100])) // random now
        XCTAssertEqual(try read(150_000, 5000), Array(bytes[150_000..<155_000]))
        let ranges = source.requestedRanges.compactMap { $0 }
        XCTAssertTrue(ranges.contains(100_000..<100_100) && ranges.contains(150_000..<155_000), "\(ranges)")
        for offset: UInt64 in [100_000, 150_000, 154_999] {
            XCTAssertEqual(ranges.filter { $0.contains(offset) }.count, 1, "only the exact read fetched byte \(offset)")
        }
        let count = source.requestCount
        XCTAssertEqual(try read(10, 20), Array(bytes[10..<30]), "a cached block serves a random read")
        XCTAssertFalse(source.requestedRanges[count...].contains { $0?.contains(10) == true })
    }

    func testAServerThatIgnoresRangeIsReadThroughBlocks() throws {
        let bytes = ReaderFixtures.bytes(64 * 4096)
        let source = ReaderFixtures.source(bytes, range: false)
        let loader = ReaderFixtures.loader(source: source) {
            $0.sequentialTolerance = 8192
        }
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        for offset in [0, 200_000, 100_000, 150_000] {
            XCTAssertEqual(Array(try reader.read(at: UInt64(offset), count: 100)), Array(bytes[offset..<(offset + 100)]))
        }
    }
}

/// A block dropped from a small memory tier before the disk writer has stored it is
/// taken from the writer's queue, not fetched again.
final class UnwrittenBlockTests: XCTestCase {
    /// Holds each block in memory only (one at a time) and stores it "on disk" only when
    /// the test lets the writer go on.
    private final class SlowDiskCache: BlockCache, @unchecked Sendable {
        let memory = MemoryBlockCache(capacity: 4096)
        let writerMayGo = DispatchSemaphore(value: 0)
        func block(for key: BlockKey) -> Block? { memory.block(for: key) }
        func contains(_ key: BlockKey) -> Bool { memory.contains(key) }
        func store(_ block: Block, for key: BlockKey, validator: String?) { memory.store(block, for: key) }
        func persist(_ block: Block, for key: BlockKey, validator: String?) { writerMayGo.wait() }
    }

    func testABlockNotYetOnDiskIsNotFetchedTwice() throws {
        let bytes = ReaderFixtures.bytes(3 * 4096)
        let source = ReaderFixtures.source(bytes)
        let cache = SlowDiskCache()
        let loader = ReaderFixtures.loader(source: source, cache: cache) { $0.workers = 2 }
        defer {
            for _ in 0..<8 { cache.writerMayGo.signal() }
            loader.shutdown()
        }
        XCTAssertEqual(try loader.block(BlockKey(ReaderFixtures.location, 0)), Array(bytes[..<4096]))
        XCTAssertEqual(try loader.block(BlockKey(ReaderFixtures.location, 1)), Array(bytes[4096..<8192]))
        // Block 1's reader may have had its bytes before the block was stored (and block 0
        // dropped to make room): wait for that.
        let deadline = Date().addingTimeInterval(10)
        while cache.contains(BlockKey(ReaderFixtures.location, 0)) && Date() < deadline { usleep(1_000) }
        XCTAssertFalse(cache.contains(BlockKey(ReaderFixtures.location, 0)), "block 0 is still in memory: the test proves nothing")
        XCTAssertEqual(try loader.block(BlockKey(ReaderFixtures.location, 0)), Array(bytes[..<4096]))
        XCTAssertEqual(source.requestCount, 2, "block 0 was fetched again")
    }
}
