import Synchronization

/// Reads byte ranges of one export through the block loader, one per open file, and
/// fetches ahead of sequential readers.
public final class ExportReader: Sendable {
    public let location: ExportLocation
    /// The size the file was opened with, if known; reads stop there.
    public let size: UInt64?
    private let loader: BlockLoader
    /// The export's generation when the file was opened.
    private let generation: Int
    private let readahead: Mutex<Readahead>

    public init(location: ExportLocation, size: UInt64?, loader: BlockLoader) {
        self.location = location
        self.size = size
        self.loader = loader
        self.generation = loader.generation(of: location)
        let blockSize = loader.options.blockSize
        self.readahead = Mutex(Readahead(initial: loader.options.initialReadahead / blockSize,
                                         maximum: loader.options.maxReadahead / blockSize,
                                         tolerance: UInt64(max(loader.options.sequentialTolerance, 2 * blockSize)),
                                         rejoin: UInt64(blockSize)))
    }

    /// Up to `count` bytes from `offset`, or ESTALE once the export has changed on the
    /// server since the file was opened: its earlier reads may have been of the old
    /// version, and old and new bytes must never mix in one copy. EINTR once
    /// `interruption` says the reading process was interrupted.
    public func read(at offset: UInt64, count: Int,
                     interruption: ReadInterruption? = nil) throws(Errno) -> ReadBytes {
        let sequential = prefetch(after: offset, count: count)
        var bytes = sequential ? nil : try readExactly(at: offset, count: count, interruption)
        if bytes == nil { bytes = try readBlocks(at: offset, count: count, interruption) }
        guard loader.generation(of: location) == generation else {
            Log.warning("\(location.key) changed on the server while open: its reads fail with ESTALE; open it again")
            throw Errno.stale
        }
        return bytes ?? ReadBytes()
    }

    /// Asks the loader for the blocks after this read that the readahead window covers;
    /// returns false when reads look random (no readahead).
    private func prefetch(after offset: UInt64, count: Int) -> Bool {
        let end = offset + UInt64(count)
        if let size, offset >= size { return true }
        let window = readahead.withLock { $0.observe(offset: offset, end: end) }
        guard window > 0 else { return false }
        guard count > 0 else { return true }
        let blockSize = UInt64(loader.options.blockSize)
        let next = Int((end - 1) / blockSize) + 1
        var last = next + window
        if let size { last = min(last, Int((size + blockSize - 1) / blockSize)) }
        loader.prefetch(location, blocks: next..<max(next, last))
        return true
    }

    /// A random read of bytes neither cached nor on their way: just those bytes, fetched
    /// uncached, rather than the blocks around them. Nil: read through blocks.
    private func readExactly(at offset: UInt64, count: Int,
                             _ interruption: ReadInterruption?) throws(Errno) -> ReadBytes? {
        let blockSize = UInt64(loader.options.blockSize)
        var end = offset + UInt64(count)
        if let size { end = min(end, size) }
        guard end > offset else { return nil }
        let blocks = Int(offset / blockSize)...Int((end - 1) / blockSize)
        guard !blocks.contains(where: { loader.isHeldOrComing(BlockKey(location, $0)) }) else { return nil }
        guard let block = try loader.read(location, range: offset..<end, interruption: interruption) else { return nil }
        loader.statistics.served(block.count, from: .network)
        return ReadBytes(block)
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the export. Slices of
    /// the blocks read spans, not a copy.
    private func readBlocks(at offset: UInt64, count: Int,
                            _ interruption: ReadInterruption?) throws(Errno) -> ReadBytes {
        let blockSize = UInt64(loader.options.blockSize)
        var end = offset + UInt64(count)
        if let size { end = min(end, size) }
        var bytes = ReadBytes()
        var position = offset
        while position < end {
            let within = Int(position % blockSize)
            let wanted = min(Int(blockSize) - within, Int(end - position))
            let piece = try loader.bytes(of: BlockKey(location, Int(position / blockSize)),
                                         within: within..<(within + wanted), interruption: interruption)
            bytes.append(piece)
            position += UInt64(piece.count)
            if piece.count < wanted { break } // the export ends in this block
        }
        return bytes
    }
}
