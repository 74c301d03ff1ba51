/// A block still arriving, for readers that wait on it: the fetch thread writes each
/// chunk past `filled` and then (under the loader's lock) moves `filled` on; a reader
/// that saw `filled` cover its range under that lock may copy the range outside it,
/// since written bytes never change. Readers of a block's first bytes (time to first
/// byte, random reads) thus need not wait for the whole block.
final class PartialBlock: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    /// Bytes written so far; guarded by the loader's monitor.
    var filled = 0
    /// The least `filled` a waiting reader needs; guarded by the loader's monitor.
    var wanted = Int.max

    init(capacity: Int) {
        storage = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    var capacity: Int { storage.count }

    /// Called by the fetch thread only, before it publishes the new `filled`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + bytes.count)])
            .copyMemory(from: bytes)
    }

    /// A copy of bytes that `filled` covered when the caller last looked under the lock.
    func copy(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: storage[range]))
    }
}
