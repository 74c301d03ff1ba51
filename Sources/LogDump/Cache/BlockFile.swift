import CXXHash

/// One cached block on disk: a 64-byte header, then the bytes.
///
///     0  magic "LDFSBLK1"        8  format version (u32), header size (u32)
///     16 block index (u64)       24 data length (u64)
///     32 keyed XXH3-64 of the data
///     40 XXH3-64 of the export's identity
///     48 XXH3-64 of the validator the block was fetched under (0: none)
///     56 keyed XXH3-64 of bytes 0..<56
///
/// All little-endian. Checked in full before a block is served: a torn write, a flipped
/// bit, a file moved to the wrong place or one written without the cache's key reads as
/// "no such block", never as bytes.
enum BlockFile {
    static let headerSize = 64
    static let magic: [UInt8] = Array("LDFSBLK1".utf8)

    struct Header: Equatable {
        var index: UInt64
        var length: UInt64
        var dataHash: UInt64
        var identity: UInt64
        var validator: UInt64
    }

    static func encode(_ header: Header, key: ChecksumKey) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize)
        append(UInt32(CacheFormat.version), to: &bytes)
        append(UInt32(headerSize), to: &bytes)
        for value in [header.index, header.length, header.dataHash, header.identity, header.validator] {
            append(value, to: &bytes)
        }
        append(bytes.withUnsafeBytes { key.hash($0) }, to: &bytes)
        return bytes
    }

    /// The header, if these 64 bytes are one of this format with a good checksum.
    static func decode(_ bytes: ArraySlice<UInt8>, key: ChecksumKey) -> Header? {
        guard bytes.count >= headerSize else { return nil }
        let base = bytes.startIndex
        guard bytes[base..<(base + 8)].elementsEqual(magic),
              read32(bytes, base + 8) == UInt32(CacheFormat.version),
              read32(bytes, base + 12) == UInt32(headerSize),
              read64(bytes, base + 56) == bytes[base..<(base + 56)].withUnsafeBytes({ key.hash($0) }) else { return nil }
        return Header(index: read64(bytes, base + 16), length: read64(bytes, base + 24),
                      dataHash: read64(bytes, base + 32), identity: read64(bytes, base + 40),
                      validator: read64(bytes, base + 48))
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        ldfs_xxh3_64(bytes.baseAddress, bytes.count)
    }

    static func hash(_ text: String) -> UInt64 { hash(Array(text.utf8)) }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func read32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) }
    }

    private static func read64(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
    }
}

/// The on-disk format's version: a cache of another version is discarded whole.
enum CacheFormat {
    static let version = 2
}

/// The secret a cache's checksums are keyed with: random, made with the cache and kept in
/// its marker, which only the cache's owner can read. A block written by someone who can
/// write the directory but not read the key fails its check.
struct ChecksumKey: Sendable, Equatable {
    /// XXH3's default secret size.
    static let size = 192
    let secret: [UInt8]

    init?(secret: [UInt8]) {
        guard secret.count == Self.size else { return nil }
        self.secret = secret
    }

    /// A new key from the system's random source (getrandom).
    static func random() -> ChecksumKey {
        var generator = SystemRandomNumberGenerator()
        return ChecksumKey(secret: (0..<size).map { _ in generator.next() as UInt8 })!
    }

    /// XXH3-64 keyed with this secret (the CPU's fastest variant, as `BlockFile.hash`).
    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        secret.withUnsafeBytes { ldfs_xxh3_64_keyed(bytes.baseAddress, bytes.count, $0.baseAddress, $0.count) }
    }
}
