import LogDump
import XCTest

/// Blocks fill once, slice without copying, and hand their buffers back to the pool.
final class BlockPoolTests: XCTestCase {
    func testAFreedBlockGivesItsBufferToTheNext() {
        let pool = BlockPool(blockSize: 4096, keep: 2)
        var first: Block? = pool.block()
        let address = first!.bytes.baseAddress
        first = nil
        XCTAssertEqual(pool.freeCount, 1)
        let second = pool.block()
        XCTAssertEqual(second.bytes.baseAddress, address, "the buffer was not reused")
        XCTAssertEqual(second.count, 0, "a reused block starts empty")
        XCTAssertEqual(pool.freeCount, 0)
    }

    func testThePoolKeepsNoMoreThanItsLimit() {
        let pool = BlockPool(blockSize: 4096, keep: 2)
        var blocks = (0..<5).map { _ in pool.block() }
        XCTAssertEqual(pool.freeCount, 0)
        blocks.removeAll()
        XCTAssertEqual(pool.freeCount, 2, "the rest went back to the system")
    }

    func testABlockNotPrefaultedHoldsWhatIsWrittenAndIsReused() {
        let pool = BlockPool(blockSize: 3 * 4096, keep: 1)
        var block: Block? = pool.block(prefaulted: false)
        let address = block!.bytes.baseAddress
        let bytes = (0..<(3 * 4096)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        XCTAssertEqual(bytes.withUnsafeBytes { block!.append($0) }, bytes.count)
        XCTAssertEqual(block!.array, bytes)
        block = nil
        XCTAssertEqual(pool.freeCount, 1)
        XCTAssertEqual(pool.block().bytes.baseAddress, address, "its buffer went back to the pool")
    }

    func testAppendStopsAtCapacity() {
        let block = BlockPool(blockSize: 8, keep: 1).block()
        let taken = [UInt8](1...5).withUnsafeBytes { block.append($0) }
        let more = [UInt8](6...12).withUnsafeBytes { block.append($0) }
        XCTAssertEqual([taken, more], [5, 3])
        XCTAssertEqual(block.array, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual([UInt8](9...9).withUnsafeBytes { block.append($0) }, 0, "a full block takes nothing")
    }

    func testReadBytesJoinSlicesOfSeveralBlocks() {
        let a = Block([1, 2, 3, 4])
        let b = Block([5, 6, 7])
        var bytes = ReadBytes(BlockSlice(a, clampedTo: 2..<10))
        bytes.append(BlockSlice(b, clampedTo: 0..<2))
        bytes.append(BlockSlice(b, clampedTo: 3..<9)) // past the block's end: nothing
        XCTAssertEqual(bytes.count, 4)
        XCTAssertEqual(bytes.slices.count, 2, "an empty slice is not kept")
        XCTAssertEqual(bytes.array, [3, 4, 5, 6])
        XCTAssertEqual(Array(bytes), [3, 4, 5, 6])
    }
}
