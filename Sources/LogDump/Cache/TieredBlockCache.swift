import Synchronization

/// The cache the loader uses: verified blocks in memory in front of the disk cache (when
/// there is one). It remembers each export's current validator so that a block fetched
/// under an older one is stored nowhere.
public final class TieredBlockCache: BlockCache {
    public let memory: MemoryBlockCache
    public let disk: DiskBlockCache?
    private let counts = Mutex((lookups: 0, memoryHits: 0, diskHits: 0))
    private let validators = Mutex<[ExportLocation: String]>([:])
    /// Blocks being read from disk now, one read each: the kernel's readahead requests
    /// are not block-aligned, so two requests in flight often share a block, and both
    /// would read and check it (four in ten blocks of a warm `cat` were read twice).
    private let diskReads = OneReadPerBlock()

    public init(memory: MemoryBlockCache, disk: DiskBlockCache?) {
        self.memory = memory
        self.disk = disk
    }

    public func block(for key: BlockKey) -> Block? { servingBlock(for: key)?.block }

    public func servingBlock(for key: BlockKey) -> (block: Block, tier: ServedTier)? {
        if let block = memoryHit(key) { return (block, .memory) }
        guard let disk, disk.contains(key) else {
            counts.withLock { $0.lookups += 1 }
            return nil
        }
        diskReads.begin(key)
        defer { diskReads.end(key) }
        if let block = memoryHit(key) { return (block, .memory) }
        let block = disk.block(for: key)
        if let block { memory.store(block, for: key) }
        counts.withLock { $0.lookups += 1; if block != nil { $0.diskHits += 1 } }
        return block.map { ($0, .disk) }
    }

    private func memoryHit(_ key: BlockKey) -> Block? {
        guard let block = memory.block(for: key) else { return nil }
        counts.withLock { $0.lookups += 1; $0.memoryHits += 1 }
        return block
    }

    public func contains(_ key: BlockKey) -> Bool {
        memory.contains(key) || disk?.contains(key) == true
    }

    /// Keeps a block fetched under `validator` in memory, unless the export has changed since.
    public func store(_ block: Block, for key: BlockKey, validator: String?) {
        guard validators.withLock({ $0[key.location] }) == validator else { return }
        memory.store(block, for: key)
    }

    /// Writes it to disk, under the same condition.
    public func persist(_ block: Block, for key: BlockKey, validator: String?) {
        guard let disk, validators.withLock({ $0[key.location] }) == validator else { return }
        disk.store(block, for: key, validator: validator)
    }

    public func recordedSize(of location: ExportLocation) -> UInt64? {
        disk?.recordedSize(of: location)
    }

    public func recordSize(_ size: UInt64, of location: ExportLocation) {
        disk?.recordSize(size, of: location)
    }

    public func noteValidator(_ validator: String, for location: ExportLocation) -> Bool {
        let previous = validators.withLock { $0.updateValue(validator, forKey: location) }
        let dropped = disk?.noteValidator(validator, for: location) ?? 0
        guard previous != validator && (previous != nil || dropped > 0) else { return false }
        memory.drop(location)
        Log.warning("\(location.key) changed on the server (now \(validator.escapedForLog(limit: 100))): dropped its cached blocks")
        return true
    }

    /// What the disk holds of the export, and the blocks only memory holds.
    public func cachedBytes(of location: ExportLocation) -> UInt64 {
        let inMemory = memory.blockLengths(of: location)
        guard let disk else { return inMemory.values.reduce(0) { $0 + UInt64($1) } }
        return inMemory.reduce(disk.cachedBytes(of: location)) { total, block in
            disk.contains(BlockKey(location, block.key)) ? total : total + UInt64(block.value)
        }
    }

    /// Lookups and hits so far.
    public var counters: (lookups: Int, memoryHits: Int, diskHits: Int) { counts.withLock { $0 } }

    /// Writes the statistics file of the disk cache, if there is one.
    public func saveStatistics() {
        let now = counters
        disk?.saveStatistics(lookups: now.lookups, memoryHits: now.memoryHits, diskHits: now.diskHits)
    }
}

/// Lets one thread at a time read a given block; others wait for it, then find the block
/// in memory. A wait that outlasts its deadline (a stuck disk) goes ahead anyway.
private final class OneReadPerBlock: @unchecked Sendable {
    private let monitor = Monitor()
    private var reading = Set<BlockKey>() // guarded by monitor

    func begin(_ key: BlockKey) {
        monitor.withLock {
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(5))) { !reading.contains(key) }
            reading.insert(key)
        }
    }

    func end(_ key: BlockKey) {
        monitor.withLock {
            reading.remove(key)
            monitor.broadcast()
        }
    }
}
