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
    func block(for key: BlockKey) -> [UInt8]?
    func store(_ bytes: [UInt8], for key: BlockKey)
}
