import LogDump
import XCTest

final class MemoryBlockCacheTests: XCTestCase {
    private func key(_ index: Int) -> BlockKey { BlockKey(ReaderFixtures.location, index) }

    func testEvictsLeastRecentlyUsedFirst() {
        let cache = MemoryBlockCache(capacity: 300)
        cache.store([UInt8](repeating: 0, count: 100), for: key(0))
        cache.store([UInt8](repeating: 1, count: 100), for: key(1))
        cache.store([UInt8](repeating: 2, count: 100), for: key(2))
        XCTAssertNotNil(cache.block(for: key(0))) // 0 is now newer than 1
        cache.store([UInt8](repeating: 3, count: 100), for: key(3))
        XCTAssertNil(cache.block(for: key(1)), "the least recently used block goes first")
        XCTAssertEqual(cache.block(for: key(0))?.array, [UInt8](repeating: 0, count: 100))
        XCTAssertNotNil(cache.block(for: key(2)))
        XCTAssertNotNil(cache.block(for: key(3)))
    }

    func testNeverHoldsMoreThanItsCapacity() {
        let capacity = 10_000
        let cache = MemoryBlockCache(capacity: capacity)
        var generator = SystemRandomNumberGenerator()
        var stored: [Int: [UInt8]] = [:]
        for _ in 0..<5_000 {
            let index = Int.random(in: 0..<64, using: &generator)
            if Bool.random(using: &generator) {
                let bytes = [UInt8](repeating: UInt8(index), count: Int.random(in: 1...2_000, using: &generator))
                cache.store(bytes, for: key(index))
                stored[index] = bytes
            } else if let hit = cache.block(for: key(index)) {
                XCTAssertEqual(hit.array, stored[index], "a hit returns what was stored last")
            }
            XCTAssertLessThanOrEqual(cache.byteCount, capacity)
        }
    }

    func testRefusesABlockLargerThanItself() {
        let cache = MemoryBlockCache(capacity: 10)
        cache.store([UInt8](repeating: 0, count: 11), for: key(0))
        XCTAssertNil(cache.block(for: key(0)))
        XCTAssertEqual(cache.byteCount, 0)
    }
}
