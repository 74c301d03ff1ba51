/// Which fixed-size block of which export: `index` counts blocks of the loader's
/// block size from offset 0.
public struct BlockKey: Hashable, Sendable, CustomStringConvertible {
    public let location: ExportLocation
    public let index: Int

    public init(_ location: ExportLocation, _ index: Int) {
        self.location = location
        self.index = index
    }

    public var description: String { "block \(index) of \(location.key)" }
}

/// Where fetched blocks are kept for the next reader. A block is the export's bytes at
/// [index * blockSize, (index + 1) * blockSize), shorter only at the end of the export.
/// Implementations are thread-safe and bounded by the bytes they hold.
public protocol BlockCache: Sendable {
    /// The block's bytes, checked, or nil.
    func block(for key: BlockKey) -> Block?
    /// The same, with the tier that held it: what the statistics count a reader's bytes as.
    func servingBlock(for key: BlockKey) -> (block: Block, tier: ServedTier)?
    /// Whether the block is held, without reading it or counting a lookup.
    func contains(_ key: BlockKey) -> Bool
    /// Keeps a block fetched under `validator` (the answer's ETag or Last-Modified)
    /// where readers find it at once (memory).
    func store(_ block: Block, for key: BlockKey, validator: String?)
    /// Keeps it for later too (disk): called after `store`, once waiting readers have it,
    /// so that none waits for a disk write.
    func persist(_ block: Block, for key: BlockKey, validator: String?)
    /// The export's size as an earlier transfer or probe recorded it (a disk cache keeps
    /// it across remounts, so a cached export needs no probe).
    func recordedSize(of location: ExportLocation) -> UInt64?
    func recordSize(_ size: UInt64, of location: ExportLocation)
    /// The export's validator (ETag or Last-Modified) as the server gives it now. Blocks
    /// stored under another validator are stale and dropped; returns whether any were.
    func noteValidator(_ validator: String, for location: ExportLocation) -> Bool
    /// Bytes of the export held, each block counted once whichever tiers hold it.
    func cachedBytes(of location: ExportLocation) -> UInt64
}

extension BlockCache {
    public func servingBlock(for key: BlockKey) -> (block: Block, tier: ServedTier)? {
        block(for: key).map { ($0, .memory) }
    }
    public func persist(_ block: Block, for key: BlockKey, validator: String?) {}
    public func recordedSize(of location: ExportLocation) -> UInt64? { nil }
    public func recordSize(_ size: UInt64, of location: ExportLocation) {}
    public func noteValidator(_ validator: String, for location: ExportLocation) -> Bool { false }
    public func cachedBytes(of location: ExportLocation) -> UInt64 { 0 }
}
