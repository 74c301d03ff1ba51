import Synchronization

/// Exact ranges, for random reads: bytes neither cached nor on their way, fetched on
/// their own rather than with the blocks around them.
extension BlockLoader {
    /// Fetches exactly `range` of an export, uncached, for a random reader: far less to
    /// wait for than the block around it. Nil when the server is not known to honour
    /// Range (the whole export could come back) or did not honour it this time: then
    /// read through blocks.
    public func read(_ location: ExportLocation, range: Range<UInt64>,
                     interruption: ReadInterruption? = nil) throws(Errno) -> Block? {
        let deadline = MonotonicInstant.now().advanced(by: options.waitTimeout)
        let read = RangeRead(location: location, range: range)
        interruption?.wakes(monitor, condition: read.ready)
        let outcome: Result<Block?, RemoteError>?? = monitor.withLock {
            guard rangeHonoured[location] == true else { return .some(.success(nil)) }
            if stopping { return .some(.failure(.network("shutting down"))) }
            rangeReads.append(read)
            idleFetchers.wakeOne()
            _ = monitor.wait(until: deadline, on: read.ready) { read.result != nil || interruption?.isInterrupted == true }
            if read.result == nil { read.abandoned.store(true, ordering: .releasing) }
            return .some(read.result)
        }
        if case .some(.none) = outcome, interruption?.isInterrupted == true { // no result: interrupted or timed out
            Log.debug("reading bytes \(range) of \(location.key) interrupted")
            throw Errno.interrupted
        }
        switch outcome {
        case .some(.success(let block))?: return block
        case .some(.failure(let error))?:
            Log.warning("reading bytes \(range) of \(location.key) failed: \(error)")
            throw error.errno
        default:
            Log.warning("reading bytes \(range) of \(location.key) timed out after \(options.waitTimeout)")
            throw Errno.io
        }
    }

    /// Ends the range reads no fetch thread took before shutdown: their readers get EIO
    /// now rather than at their deadline (lock held).
    func failQueuedRangeReads() {
        for read in rangeReads {
            read.result = .failure(.network("shutting down"))
            read.ready.broadcast()
        }
        rangeReads.removeAll()
    }

    /// Whether a block is cached or on its way: then a random read joins it.
    public func isHeldOrComing(_ key: BlockKey) -> Bool {
        monitor.withLock { flights[key] != nil || unwritten[key] != nil } || cache.contains(key)
    }

    func fetch(_ read: RangeRead) {
        let sink = RangeSink(read, loader: self)
        let result: Result<Block?, RemoteError>
        do {
            try source.transfer(request(read.location, range: read.range), into: sink)
            result = .success(sink.honoured ? sink.block : nil)
        } catch let error where error.isRangeNotSatisfiable {
            result = .success(.empty) // past the end of the export
        } catch {
            result = .failure(error)
        }
        monitor.withLock {
            read.result = result
            read.ready.broadcast() // its reader alone waits for it
        }
    }
}

/// A random reader's exact range, and (once fetched) its bytes.
final class RangeRead {
    let location: ExportLocation
    let range: Range<UInt64>
    var result: Result<Block?, RemoteError>?
    /// Its reader waits on this, not on the loader's monitor: nothing else wakes it.
    let ready = Monitor.Condition()
    /// Its reader stopped waiting (interrupted, timed out): the transfer may stop.
    let abandoned = Atomic<Bool>(false)

    init(location: ExportLocation, range: Range<UInt64>) {
        self.location = location
        self.range = range
    }
}

/// Keeps the body of a ranged answer, if it is the range asked for; stops otherwise.
/// The bytes go straight into the block the reader is answered with.
private final class RangeSink: TransferSink {
    let expected: Range<UInt64>
    let block: Block
    private(set) var honoured = false
    private let read: RangeRead
    private let loader: BlockLoader

    init(_ read: RangeRead, loader: BlockLoader) {
        self.expected = read.range
        self.block = Block(capacity: read.range.count)
        self.read = read
        self.loader = loader
    }

    var isCancelled: Bool {
        read.abandoned.load(ordering: .acquiring) || loader.stopped.load(ordering: .acquiring)
    }

    func begin(_ head: ResponseHead) -> Bool {
        loader.heardFacts.note(head, of: read.location)
        honoured = head.rangeHonoured && head.bodyOffset == expected.lowerBound
        return honoured
    }

    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        block.append(chunk) // more than asked: the block is full, the rest is ignored
        return true // stopping would close a connection that can be kept
    }
}
