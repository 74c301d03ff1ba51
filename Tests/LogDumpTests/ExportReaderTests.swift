import Foundation
import LogDump
import XCTest

final class ExportReaderTests: XCTestCase {
    private let block = 4096

    func testReadsAtBlockEdges() throws {
        let bytes = ReaderFixtures.bytes(3 * block + 17)
        let source = ReaderFixtures.source(bytes)
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        let cases: [(Int, Int)] = [(0, 1), (block - 1, 2), (block, block), (block - 1, block + 2),
                                   (0, bytes.count), (2 * block + 5, block), (3 * block, 17), (3 * block + 16, 100)]
        for (offset, count) in cases {
            let got = Array(try reader.read(at: UInt64(offset), count: count))
            let end = min(offset + count, bytes.count)
            XCTAssertEqual(got, Array(bytes[offset..<end]), "read(at: \(offset), count: \(count))")
        }
    }

    func testEndOfFileAndEmptyExport() throws {
        for size in [0, 1, block - 1, block, block + 1] {
            let bytes = ReaderFixtures.bytes(size)
            for knownSize in [true, false] {
                let loader = ReaderFixtures.loader(source: ReaderFixtures.source(bytes))
                defer { loader.shutdown() }
                let reader = ExportReader(location: ReaderFixtures.location,
                                          size: knownSize ? UInt64(size) : nil, loader: loader)
                XCTAssertEqual(Array(try reader.read(at: UInt64(size), count: 10)), [], "at EOF of \(size)")
                XCTAssertEqual(Array(try reader.read(at: UInt64(size + 3 * block), count: 10)), [], "past EOF of \(size)")
                XCTAssertEqual(try ReaderFixtures.readAll(reader, step: 1000), bytes, "size \(size), known \(knownSize)")
            }
        }
    }

    /// Every combination a server may choose: Range honoured or not, length sent or not.
    func testWholeReadsWhateverTheServerSupports() throws {
        let bytes = ReaderFixtures.bytes(10 * block + 123)
        for range in [true, false] {
            for length in [true, false] {
                let loader = ReaderFixtures.loader(source: ReaderFixtures.source(bytes, range: range, length: length))
                defer { loader.shutdown() }
                let reader = ExportReader(location: ReaderFixtures.location, size: nil, loader: loader)
                XCTAssertEqual(try ReaderFixtures.readAll(reader, step: 3000), bytes, "range \(range), length \(length)")
                XCTAssertEqual(Array(try reader.read(at: 5 * UInt64(block) - 7, count: 20)),
                               Array(bytes[(5 * block - 7)..<(5 * block + 13)]), "random read, range \(range)")
            }
        }
    }

    /// A server that ignores Range sends the whole body: a sequential reader must ride
    /// one stream, not start a download per block.
    func testRangeIgnoredSequentialReadDownloadsOnce() throws {
        let bytes = ReaderFixtures.bytes(20 * block)
        let source = ReaderFixtures.source(bytes, range: false)
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        XCTAssertEqual(try ReaderFixtures.readAll(reader, step: block), bytes)
        XCTAssertEqual(source.requestCount, 1)
    }

    func testConcurrentReadersFetchEachBlockOnce() throws {
        let blocks = 16
        let bytes = ReaderFixtures.bytes(blocks * block - 100)
        let source = ReaderFixtures.source(bytes)
        var behaviour = MemoryExportSource.Behaviour()
        behaviour.latency = .milliseconds(20)
        source.setBehaviour(behaviour)
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let results = Results(count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { reader in
            let handle = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
            results.set(reader, Result { try ReaderFixtures.readAll(handle, step: 1500 + 100 * reader) })
        }
        for index in 0..<8 {
            XCTAssertEqual(try results.get(index).get(), bytes, "reader \(index)")
        }
        XCTAssertEqual(source.requestCount, blocks, "each block fetched once")
    }

    func testServerErrorsMapToErrnoAndAreNotCached() throws {
        let bytes = ReaderFixtures.bytes(block)
        let source = ReaderFixtures.source(bytes)
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: UInt64(bytes.count), loader: loader)
        let cases: [(RemoteError, Errno)] = [
            (.http(status: 401, code: "CDC.0401", message: "token expired"), .accessDenied),
            (.http(status: 403, code: nil, message: nil), .accessDenied),
            (.http(status: 404, code: nil, message: nil), .noEntry),
            (.http(status: 429, code: nil, message: "slow down"), .io),
            (.http(status: 500, code: "CDC.0500", message: "internal"), .io),
            (.network("connection reset"), .io),
            (.timedOut("stalled"), .io),
        ]
        for (failure, errno) in cases {
            source.failNext([failure])
            XCTAssertThrowsError(try reader.read(at: 0, count: 10), "\(failure)") { error in
                XCTAssertEqual(error as? Errno, errno, "\(failure)")
            }
        }
        XCTAssertEqual(Array(try reader.read(at: 0, count: 10)), Array(bytes[0..<10]), "recovers after errors")
    }

    func testMissingExportIsENOENT() {
        let loader = ReaderFixtures.loader(source: MemoryExportSource())
        defer { loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: 10, loader: loader)
        XCTAssertThrowsError(try reader.read(at: 0, count: 10)) { XCTAssertEqual($0 as? Errno, .noEntry) }
    }
}

/// Slots written by concurrent readers.
private final class Results: @unchecked Sendable {
    private var slots: [Result<[UInt8], any Error>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<[UInt8], any Error>) { lock.withLock { slots[index] = value } }
    func get(_ index: Int) -> Result<[UInt8], any Error> { lock.withLock { slots[index]! } }
}

/// One export's readahead must not take every fetch thread: a reader of another export
/// is served while the first export's transfers hang.
final class ReadaheadFairnessTests: XCTestCase {
    func testAHangingExportLeavesConnectionsForOthers() throws {
        let slow = ReaderFixtures.location
        let fast = ExportLocation(endpoint: slow.endpoint, key: ExportKey(projectID: "p1", serverID: "s1", exportID: "fast"))
        let bytes = ReaderFixtures.bytes(64 * 4096)
        let source = GatedSource(gated: slow, bytes: bytes, other: fast)
        var options = LoaderOptions()
        options.blockSize = 4096
        options.workers = 4
        let loader = BlockLoader(source: source, cache: MemoryBlockCache(capacity: 1 << 20), options: options)
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
        var options = LoaderOptions()
        options.blockSize = 4096
        options.workers = 4
        options.maxReadahead = 4 * 4096
        let loader = BlockLoader(source: source, cache: MemoryBlockCache(capacity: 1 << 20), options: options)
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
        let source = HalfThenStallSource(bytes: bytes)
        var options = LoaderOptions()
        options.blockSize = 8192
        options.workers = 2
        let loader = BlockLoader(source: source, cache: MemoryBlockCache(capacity: 1 << 20), options: options)
        defer { source.release(); loader.shutdown() }
        let reader = ExportReader(location: ReaderFixtures.location, size: 8192, loader: loader)
        XCTAssertEqual(Array(try reader.read(at: 100, count: 1000)), Array(bytes[100..<1100]))
        XCTAssertTrue(source.isStalling, "the read waited for the rest of the block")
        source.release()
        XCTAssertEqual(Array(try reader.read(at: 5000, count: 3192)), Array(bytes[5000...]), "then the rest")
    }
}

/// Answers with the first half of the range, then stalls (30 s at most) until released.
private final class HalfThenStallSource: ExportSource, @unchecked Sendable {
    private let bytes: [UInt8]
    private let condition = NSCondition()
    private var released = false
    private var stalling = false

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Whether a transfer waits for release now.
    var isStalling: Bool { condition.withLock { stalling } }

    func release() { condition.withLock { released = true; condition.broadcast() } }

    func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let range = Int(request.range?.lowerBound ?? 0)..<min(bytes.count, Int(request.range?.upperBound ?? UInt64(bytes.count)))
        guard sink.begin(ResponseHead(bodyOffset: UInt64(range.lowerBound), bodyLength: UInt64(range.count),
                                      totalSize: UInt64(bytes.count), rangeHonoured: true)) else { return }
        let half = range.lowerBound + range.count / 2
        guard bytes[range.lowerBound..<half].withUnsafeBytes({ sink.receive($0) }) else { return }
        condition.withLock {
            stalling = true
            let deadline = Date().addingTimeInterval(30)
            while !released && condition.wait(until: deadline) {}
            stalling = false
        }
        _ = bytes[half..<range.upperBound].withUnsafeBytes { sink.receive($0) }
    }
}
