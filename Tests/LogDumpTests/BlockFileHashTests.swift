import CXXHash
@testable import LogDump
import XCTest

/// Blocks are checked with the CPU's fastest XXH3 (AVX2 or AVX-512 where there is one):
/// it must give the values of plain XXH3_64bits, with which caches on disk were written.
final class BlockFileHashTests: XCTestCase {
    func testTheDispatchedHashIsPlainXXH3() {
        for count in [0, 1, 3, 16, 17, 128, 129, 240, 241, 4096, 65_537, 1 << 20] {
            let bytes = ReaderFixtures.bytes(count, seed: UInt64(count) + 1)
            let plain = bytes.withUnsafeBytes { XXH3_64bits($0.baseAddress, $0.count) }
            XCTAssertEqual(BlockFile.hash(bytes), plain, "\(count) bytes")
        }
        XCTAssertEqual(BlockFile.hash([UInt8]()), 0x2D06_8005_38D3_94C2, "XXH3-64 of nothing")
    }
}
