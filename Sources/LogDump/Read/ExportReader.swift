/// Reads byte ranges of one export through the block loader. One per open file: the
/// place where sequential detection and readahead will live.
public final class ExportReader: Sendable {
    public let location: ExportLocation
    /// The size the file was opened with, if known; reads stop there.
    public let size: UInt64?
    private let loader: BlockLoader

    public init(location: ExportLocation, size: UInt64?, loader: BlockLoader) {
        self.location = location
        self.size = size
        self.loader = loader
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the export.
    public func read(at offset: UInt64, count: Int) throws(Errno) -> [UInt8] {
        let blockSize = UInt64(loader.options.blockSize)
        var end = offset + UInt64(count)
        if let size { end = min(end, size) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(end > offset ? end - offset : 0))
        var position = offset
        while position < end {
            let block = try loader.block(BlockKey(location, Int(position / blockSize)))
            let within = Int(position % blockSize)
            guard within < block.count else { break } // past the end of the export
            let take = min(block.count - within, Int(end - position))
            bytes.append(contentsOf: block[within..<(within + take)])
            position += UInt64(take)
            if block.count < Int(blockSize) && within + take == block.count { break } // last block
        }
        return bytes
    }
}
