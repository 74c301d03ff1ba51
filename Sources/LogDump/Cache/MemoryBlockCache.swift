import Synchronization

/// Verified blocks in memory, least recently used evicted first, never more than
/// `capacity` bytes: the hot tier in front of the disk cache.
public final class MemoryBlockCache: BlockCache {
    private struct State {
        var blocks: [BlockKey: Block] = [:]
        var order = LRUIndex<BlockKey>()
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public func block(for key: BlockKey) -> Block? {
        state.withLock { state in
            guard let block = state.blocks[key] else { return nil }
            state.order.touch(key)
            return block
        }
    }

    public func contains(_ key: BlockKey) -> Bool {
        state.withLock { $0.blocks[key] != nil }
    }

    /// The validator is the tiered cache's business; memory holds what it is given.
    public func store(_ block: Block, for key: BlockKey, validator: String?) {
        store(block, for: key)
    }

    /// Blocks it lets go are returned from the lock and so released after it (here and in
    /// `drop`): dropping a block's last reference unmaps its file or hands its buffer
    /// back to the pool, which every reader of the tier would otherwise wait behind.
    public func store(_ block: Block, for key: BlockKey) {
        guard block.count <= capacity else { return }
        _ = state.withLock { state -> [Block] in
            state.order.remove(key)
            var released = state.blocks.removeValue(forKey: key).map { [$0] } ?? []
            while state.order.totalCharge + block.count > capacity, let (oldest, _) = state.order.removeOldest() {
                if let evicted = state.blocks.removeValue(forKey: oldest) { released.append(evicted) }
            }
            state.blocks[key] = block
            state.order.insert(key, charge: block.count)
            return released
        }
    }

    /// Forgets every block of an export (its bytes changed on the server).
    public func drop(_ location: ExportLocation) {
        _ = state.withLock { state -> [Block] in
            state.order.keys(where: { $0.location == location }).compactMap { key in
                state.order.remove(key)
                return state.blocks.removeValue(forKey: key)
            }
        }
    }

    /// The length of each block of the export held, by block index.
    public func blockLengths(of location: ExportLocation) -> [Int: Int] {
        state.withLock { state in
            var lengths: [Int: Int] = [:]
            for (key, block) in state.blocks where key.location == location { lengths[key.index] = block.count }
            return lengths
        }
    }

    public func cachedBytes(of location: ExportLocation) -> UInt64 {
        blockLengths(of: location).values.reduce(0) { $0 + UInt64($1) }
    }

    /// Bytes held now; never above `capacity`.
    public var byteCount: Int { state.withLock { $0.order.totalCharge } }
    public var blockCount: Int { state.withLock { $0.blocks.count } }
}
