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

    public func store(_ block: Block, for key: BlockKey) {
        guard block.count <= capacity else { return }
        state.withLock { state in
            state.order.remove(key)
            while state.order.totalCharge + block.count > capacity, let (oldest, _) = state.order.removeOldest() {
                state.blocks.removeValue(forKey: oldest)
            }
            state.blocks[key] = block
            state.order.insert(key, charge: block.count)
        }
    }

    /// Forgets every block of an export (its bytes changed on the server).
    public func drop(_ location: ExportLocation) {
        state.withLock { state in
            for key in state.order.keys(where: { $0.location == location }) {
                state.order.remove(key)
                state.blocks.removeValue(forKey: key)
            }
        }
    }

    /// Bytes held now; never above `capacity`.
    public var byteCount: Int { state.withLock { $0.order.totalCharge } }
    public var blockCount: Int { state.withLock { $0.blocks.count } }
}
