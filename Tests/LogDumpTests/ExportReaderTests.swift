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
