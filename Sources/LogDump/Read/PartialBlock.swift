/// A block still arriving, for readers that wait on it: the fetch thread appends each
/// chunk to `block` and then (under the loader's lock) moves `filled` on; a reader that
/// saw `filled` cover its range under that lock may read the range outside it, since
/// written bytes never change. Readers of a block's first bytes (time to first byte,
/// random reads) thus need not wait for the whole block.
final class PartialBlock: @unchecked Sendable {
    /// Written by the fetch thread only; once whole, it is the block delivered.
    let block: Block
    /// Bytes written so far; guarded by the loader's monitor.
    var filled = 0
    /// The least `filled` a waiting reader needs; guarded by the loader's monitor.
    var wanted = Int.max
    /// Its flight's condition, which its readers wait on.
    let arrived: Monitor.Condition

    init(_ block: Block, arrived: Monitor.Condition) {
        self.block = block
        self.arrived = arrived
    }

    /// Bytes `range`, which `filled` covered when the caller last looked under the lock.
    func slice(_ range: Range<Int>) -> BlockSlice {
        BlockSlice(block, range)
    }
}
