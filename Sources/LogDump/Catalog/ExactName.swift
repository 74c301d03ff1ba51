#if canImport(Glibc)
import Glibc
#endif

/// Byte-for-byte string comparison. Swift's `==` on String means canonical
/// equivalence (precomposed `é` equals `e` + U+0301), but the kernel and the server
/// compare names as bytes, so two such IDs are two different exports.
@inline(__always)
func bytesEqual(_ a: String, _ b: String) -> Bool {
    // String's own == is a fast memcmp for identical bytes; it is only a pre-check.
    guard a == b else { return false }
    var a = a, b = b
    a.makeContiguousUTF8()
    b.makeContiguousUTF8()
    let equal: Bool?? = a.utf8.withContiguousStorageIfAvailable { pa in
        b.utf8.withContiguousStorageIfAvailable { pb in
            guard pa.count == pb.count else { return false }
            guard let x = pa.baseAddress, let y = pb.baseAddress else { return true }  // both empty
            return memcmp(x, y, pa.count) == 0
        }
    }
    if let equal = equal ?? nil { return equal }
    return a.utf8.elementsEqual(b.utf8)
}

/// A (parent, name) key compared byte for byte. It hashes with String's own hash,
/// which agrees with byte equality (equal bytes are canonically equal) and is fast.
struct ChildKey<Parent: Hashable & Sendable>: Hashable, Sendable {
    let parent: Parent
    let name: String

    static func == (a: ChildKey, b: ChildKey) -> Bool {
        a.parent == b.parent && bytesEqual(a.name, b.name)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(parent)
        hasher.combine(name)
    }
}
