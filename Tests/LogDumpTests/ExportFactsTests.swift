import Foundation
@testable import LogDump
import XCTest

/// An export's facts as its extended attributes: what the cache holds of it, counted
/// once over both tiers, and what the answers to its downloads have said.
final class ExportFactsTests: XCTestCase {
    private let endpoint = Endpoint(validated: "http://127.0.0.1:1")
    private let bytes = ReaderFixtures.bytes(10_000)

    func testAFileShowsTheServersWordOnlyAfterADownload() throws {
        let entry = ExportEntry(key: ExportKey(projectID: "p1", serverID: "s1", exportID: "e1"), endpoint: endpoint,
                                size: 10_000, createdAt: nil)
        let source = MemoryExportSource()
        source.add(bytes, at: entry.location, validator: "\"v1\"", fileName: "SN1-dump.tar.gz")
        let loader = ReaderFixtures.loader(source: source)
        defer { loader.shutdown() }
        let fs = FileSystem(catalog: Catalog(Manifest(endpoint: endpoint, entries: [entry])),
                            source: source, loader: loader, ownership: Ownership(uid: 0, gid: 0))
        let project = try fs.lookup(parent: .root, name: "p1").inode
        let server = try fs.lookup(parent: project, name: "s1").inode
        let exports = try fs.lookup(parent: server, name: "exports").inode
        let file = try fs.lookup(parent: exports, name: "e1.tar.gz").inode

        XCTAssertEqual(try fs.extendedAttributes(file), [ExtendedAttribute(name: ExtendedAttribute.cachedBytes, value: "0")])
        XCTAssertEqual(try fs.extendedAttributes(exports), [], "directories have none")
        XCTAssertThrowsError(try fs.extendedAttributes(Inode(12345)))

        let opened = try fs.open(file)
        var read = 0
        while case let piece = try fs.read(handle: opened.handle, offset: UInt64(read), count: 4096), !piece.isEmpty {
            read += piece.count
        }
        fs.release(handle: opened.handle)
        XCTAssertEqual(read, bytes.count)
        // A reader may have its bytes from a block still arriving, stored a moment later.
        let deadline = ContinuousClock.now + .seconds(10)
        while try fs.extendedAttributes(file).first?.value != "10000", ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        XCTAssertEqual(try fs.extendedAttributes(file), [
            ExtendedAttribute(name: ExtendedAttribute.cachedBytes, value: "10000"),
            ExtendedAttribute(name: ExtendedAttribute.etag, value: "\"v1\""),
            ExtendedAttribute(name: ExtendedAttribute.serverFileName, value: "SN1-dump.tar.gz"),
        ])
    }

    /// A block in memory and on disk counts once; the export's short last block counts
    /// its own length, on either tier.
    func testCachedBytesCountEachBlockOnce() throws {
        let path = NSTemporaryDirectory() + "logdumpfs-facts-\(UUID().uuidString)"
        defer { Files.remove(path) }
        let blockSize = 4096
        let location = ReaderFixtures.location
        let disk = DiskBlockCache(directory: try CacheDirectory(path: path), capacity: 1 << 20, blockSize: blockSize)
        let cache = TieredBlockCache(memory: MemoryBlockCache(capacity: 1 << 20), disk: disk)
        let size = 2 * blockSize + 100
        disk.recordSize(UInt64(size), of: location)
        let block = { (index: Int, count: Int) in Block(ReaderFixtures.bytes(count, seed: UInt64(index + 1))) }

        cache.store(block(0, blockSize), for: BlockKey(location, 0), validator: nil)
        XCTAssertEqual(cache.cachedBytes(of: location), UInt64(blockSize), "memory only")
        cache.persist(block(0, blockSize), for: BlockKey(location, 0), validator: nil)
        XCTAssertEqual(cache.cachedBytes(of: location), UInt64(blockSize), "memory and disk: once")
        cache.persist(block(2, 100), for: BlockKey(location, 2), validator: nil)
        XCTAssertEqual(cache.cachedBytes(of: location), UInt64(blockSize + 100), "the short last block, on disk")
        cache.store(block(1, blockSize), for: BlockKey(location, 1), validator: nil)
        XCTAssertEqual(cache.cachedBytes(of: location), UInt64(size))
        XCTAssertEqual(cache.cachedBytes(of: ExportLocation(endpoint: location.endpoint,
                                                            key: ExportKey(projectID: "p", serverID: "s", exportID: "other"))), 0)
    }
}
