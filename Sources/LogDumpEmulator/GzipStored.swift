/// Gzip (RFC 1952) of bytes in deflate's stored blocks (RFC 1951 §3.2.4): a valid
/// encoding any client can decode, without a compressor. For the emulator's hostile
/// answers, whose point is that the bytes on the wire are not the archive's.
enum GzipStored {
    static func encode(_ bytes: [UInt8]) -> [UInt8] {
        // ID1 ID2, CM = deflate, no flags, no mtime, no extra flags, OS unknown.
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
        let blockLimit = 65_535
        var start = 0
        repeat {
            let end = min(start + blockLimit, bytes.count)
            let length = UInt16(end - start)
            out.append(end == bytes.count ? 1 : 0) // BFINAL, BTYPE 00: stored
            append(length, to: &out)
            append(~length, to: &out)
            out.append(contentsOf: bytes[start..<end])
            start = end
        } while start < bytes.count
        append(crc32(bytes), to: &out)
        append(UInt32(truncatingIfNeeded: bytes.count), to: &out)
        return out
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    /// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), as gzip's trailer wants it.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }

    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
