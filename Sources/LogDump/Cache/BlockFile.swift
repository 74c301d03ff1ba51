import CXXHash

/// One cached block on disk: a 64-byte header, then the bytes.
///
///     0  magic "LDFSBLK1"        8  format version (u32), header size (u32)
///     16 block index (u64)       24 data length (u64)
///     32 XXH3-64 of the data     40 XXH3-64 of the export's identity
///     48 XXH3-64 of the validator the block was fetched under (0: none)
///     56 XXH3-64 of bytes 0..<56
///
/// All little-endian. Checked in full before a block is served: a torn write, a flipped
/// bit or a file moved to the wrong place reads as "no such block", never as bytes.
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

    static func encode(_ header: Header) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize)
        append(UInt32(CacheFormat.version), to: &bytes)
        append(UInt32(headerSize), to: &bytes)
        for value in [header.index, header.length, header.dataHash, header.identity, header.validator] {
            append(value, to: &bytes)
        }
        append(hash(bytes), to: &bytes)
        return bytes
    }

    /// The header, if these 64 bytes are one of this format with a good checksum.
    static func decode(_ bytes: ArraySlice<UInt8>) -> Header? {
        guard bytes.count >= headerSize else { return nil }
        let base = bytes.startIndex
        guard bytes[base..<(base + 8)].elementsEqual(magic),
              read32(bytes, base + 8) == UInt32(CacheFormat.version),
              read32(bytes, base + 12) == UInt32(headerSize),
              read64(bytes, base + 56) == hash(bytes[base..<(base + 56)]) else { return nil }
        return Header(index: read64(bytes, base + 16), length: read64(bytes, base + 24),
                      dataHash: read64(bytes, base + 32), identity: read64(bytes, base + 40),
                      validator: read64(bytes, base + 48))
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { hash($0) }
    }

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
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
    static let version = 1
    static let versionFileText = "logdumpfs cache format \(version)\n"
}
