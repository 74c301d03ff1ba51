/// What the cache did, kept in `stats.json` so `logdumpfs cache stats` can show the last
/// run's hit ratio.
public struct CacheStatistics: Codable, Equatable, Sendable {
    public var lookups = 0
    public var memoryHits = 0
    public var diskHits = 0
    /// Blocks that failed their check on disk and were dropped (then fetched again).
    public var corruptBlocks = 0
    public var storedBlocks = 0
    public var evictedBlocks = 0
    /// Writes that failed (a full disk, an unwritable directory): the block was served uncached.
    public var failedWrites = 0
    /// Blocks dropped because the export changed on the server.
    public var staleBlocks = 0

    public init() {}

    public var hits: Int { memoryHits + diskHits }
    public var hitRatio: Double? { lookups == 0 ? nil : Double(hits) / Double(lookups) }

    enum CodingKeys: String, CodingKey {
        case lookups
        case memoryHits = "memory_hits", diskHits = "disk_hits", corruptBlocks = "corrupt_blocks"
        case storedBlocks = "stored_blocks", evictedBlocks = "evicted_blocks"
        case failedWrites = "failed_writes", staleBlocks = "stale_blocks"
    }
}
