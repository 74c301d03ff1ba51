/// DIR/VERSION, what makes a directory a logdumpfs cache: the format's version, then the
/// cache's checksum key in hex. Mode 0600, written whole (by rename) when the cache is made.
///
///     logdumpfs cache format 2
///     key 5c0e…(384 hex digits)
enum CacheMarker {
    static let name = "VERSION"
    static let temporaryName = "VERSION.tmp"
    private static let prefix = "logdumpfs cache format "

    enum Contents: Equatable {
        /// A cache of this format, with its key.
        case current(ChecksumKey)
        /// A cache of another format (or of this one whose key is damaged): its first line.
        case otherFormat(String)
    }

    /// What a marker says, or nil when it is no logdumpfs cache's marker.
    static func parse(_ bytes: [UInt8]) -> Contents? {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix(prefix) else { return nil }
        guard first == "\(prefix)\(CacheFormat.version)", lines.count >= 2, lines[1].hasPrefix("key "),
              let key = ChecksumKey(secret: hexBytes(lines[1].dropFirst(4))) else {
            return .otherFormat(String(first))
        }
        return .current(key)
    }

    static func text(_ key: ChecksumKey) -> [UInt8] {
        let hex = key.secret.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return Array("\(prefix)\(CacheFormat.version)\nkey \(hex)\n".utf8)
    }

    private static func hexBytes(_ text: Substring) -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return [] }
        var bytes: [UInt8] = []
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[pair..<(pair + 2)], as: UTF8.self), radix: 16) else { return [] }
            bytes.append(byte)
        }
        return bytes
    }
}
