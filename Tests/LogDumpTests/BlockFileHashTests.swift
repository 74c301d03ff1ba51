import CXXHash
@testable import LogDump
import XCTest

/// Blocks are checked with the CPU's fastest XXH3 (AVX2 or AVX-512 where there is one):
/// it must give the values of plain XXH3_64bits (keyed: XXH3_64bits_withSecret), with
/// which caches on disk were written.
final class BlockFileHashTests: XCTestCase {
    func testTheDispatchedHashIsPlainXXH3() {
        for count in [0, 1, 3, 16, 17, 128, 129, 240, 241, 4096, 65_537, 1 << 20] {
            let bytes = ReaderFixtures.bytes(count, seed: UInt64(count) + 1)
            let plain = bytes.withUnsafeBytes { XXH3_64bits($0.baseAddress, $0.count) }
            XCTAssertEqual(BlockFile.hash(bytes), plain, "\(count) bytes")
        }
        XCTAssertEqual(BlockFile.hash([UInt8]()), 0x2D06_8005_38D3_94C2, "XXH3-64 of nothing")
    }

    /// The keyed checksum is XXH3-64 with the cache's key as its secret, whichever variant runs.
    func testTheKeyedHashIsXXH3WithTheKeyAsSecret() {
        let key = ChecksumKey.random()
        for count in [0, 1, 17, 241, 4096, 1 << 20] {
            let bytes = ReaderFixtures.bytes(count, seed: UInt64(count) + 3)
            let plain = bytes.withUnsafeBytes { data in
                key.secret.withUnsafeBytes { XXH3_64bits_withSecret(data.baseAddress, data.count, $0.baseAddress, $0.count) }
            }
            XCTAssertEqual(bytes.withUnsafeBytes { key.hash($0) }, plain, "\(count) bytes")
            XCTAssertNotEqual(bytes.withUnsafeBytes { ChecksumKey.random().hash($0) }, plain, "another key, \(count) bytes")
        }
    }
}
