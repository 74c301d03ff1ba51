import Synchronization

/// Blocks in memory, least recently used evicted first, never more than `capacity`
/// bytes. Eviction scans for the oldest entry: with 1 MiB blocks a few hundred entries
/// at most, cheaper than keeping a list in order.
public final class MemoryBlockCache: BlockCache {
    private struct Entry {
        var bytes: [UInt8]
        var lastUse: UInt64
    }

    private struct State {
        var entries: [BlockKey: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        self.capacity = capacity
    }

    public func block(for key: BlockKey) -> [UInt8]? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.bytes
        }
    }

    public func store(_ bytes: [UInt8], for key: BlockKey) {
        guard bytes.count <= capacity else { return }
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.bytes.count }
            while state.bytes + bytes.count > capacity,
                  let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries.removeValue(forKey: oldest.key)
                state.bytes -= oldest.value.bytes.count
            }
            state.clock += 1
            state.entries[key] = Entry(bytes: bytes, lastUse: state.clock)
            state.bytes += bytes.count
        }
    }

    /// Bytes held now; never above `capacity`.
    public var byteCount: Int { state.withLock { $0.bytes } }
    public var blockCount: Int { state.withLock { $0.entries.count } }
}
