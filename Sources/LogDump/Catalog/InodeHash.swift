/// 64-bit FNV-1a over a node's path, the source of stable inode numbers.
///
/// Fixed and unseeded on purpose (never Swift's `Hasher`, which is seeded per process):
/// backup tools compare inode numbers across remounts, so the same path must give the
/// same number in every run, on every machine, in every version. Changing this
/// function renumbers every file; `CatalogInodeTests` pins a known value.
///
/// A path is `/p`, `/p/s`, `/p/s/exports`, `/p/s/exports/e.tar.gz` (UTF-8 bytes).
/// When that hash is 0, 1 (the root) or taken, the salted form is tried for salt
/// 1, 2, ...: the hash of the path's bytes, a NUL byte (never in a path), and the salt
/// in decimal ASCII.
struct InodeHash {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    private(set) var value: UInt64

    init() { value = Self.offsetBasis }

    /// Continues the hash: FNV-1a is a stream, so `/p/s` extends the state of `/p`.
    mutating func add(_ text: String) {
        var text = text
        text.makeContiguousUTF8()
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { add(bytes: $0) }
        if done == nil { for byte in text.utf8 { add(byte) } }
    }

    mutating func add(bytes: UnsafeBufferPointer<UInt8>) {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* Self.prime
        }
        value = hash
    }

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    /// The hash of `path` alone (salt 0) or with a salt.
    static func of(path: String, salt: Int = 0) -> UInt64 {
        var hash = InodeHash()
        hash.add(path)
        if salt > 0 {
            hash.add(0)
            hash.add(String(salt))
        }
        return hash.value
    }
}
