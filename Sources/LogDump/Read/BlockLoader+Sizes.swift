/// What the loader knows of each export's size: what the manifest promises, which every
/// fetch holds the server to, and what answers have told.
extension BlockLoader {
    /// The manifest says the export has `size` bytes, as stat has shown: from now on an
    /// answer that says or shows another size fails the read (EIO), rather than make a
    /// short or padded file.
    public func promise(size: UInt64, of location: ExportLocation) {
        monitor.withLock { promisedSizes[location] = size }
    }

    /// A request for `range` of an export, held to the size its manifest promised.
    func request(_ location: ExportLocation, range: Range<UInt64>) -> TransferRequest {
        TransferRequest(location: location, range: range,
                        expectedSize: monitor.withLock { promisedSizes[location] })
    }

    /// The export's size if a transfer or probe has told it (Content-Range, Content-Length,
    /// EOF), in this mount or, through a disk cache, an earlier one.
    public func learnedSize(of location: ExportLocation) -> UInt64? {
        monitor.withLock { learnedSizes[location] } ?? cache.recordedSize(of: location)
    }

    /// Remembers an export's size, in the cache too, so that a remount needs no probe.
    public func learn(size: UInt64, of location: ExportLocation) {
        let changed = monitor.withLock { learnedSizes.updateValue(size, forKey: location) != size }
        if changed { cache.recordSize(size, of: location) }
    }

    /// `bytes 1048576-2097151 of <export>`: what a log line about a block names.
    func describe(_ key: BlockKey) -> String {
        let start = startOffset(of: key.index)
        return "bytes \(start)-\(start + UInt64(options.blockSize) - 1) of \(key.location.key)"
    }
}
