import Foundation
import Synchronization

/// Gets blocks: from the cache, else from the source on a fetch thread of its own, with
/// one fetch per block however many readers want it (single flight). The calling
/// thread only waits, with a deadline.
///
/// A server that ignores Range answers each request with the whole body from byte 0.
/// Such an answer becomes a *stream*: it stores every block it passes and stays open
/// while readers ask for blocks ahead of it, so a sequential reader downloads the
/// export once instead of once per block.
public final class BlockLoader: @unchecked Sendable {
    public let options: LoaderOptions
    let source: any ExportSource
    let cache: any BlockCache
    /// Buffers for the blocks fetches fill.
    let pool: BlockPool
    let monitor = Monitor()
    /// Idle fetch threads wait here rather than on `monitor`, and are woken one per new
    /// job: the monitor's broadcasts (a block's bytes arriving, a reader leaving) would
    /// wake them all, for nothing, ahead of the reader they are for.
    let idleFetchers = IdleFetchers()
    /// What answers have said of each export, for `facts(of:)`.
    let heardFacts = HeardFacts()

    // Guarded by `monitor`. Internal only for BlockLoader's extensions in other files.
    var flights: [BlockKey: Flight] = [:]
    /// Blocks a reader waits for, fetched before any readahead.
    private var demanded = JobQueue()
    /// Readahead, per export, served in turn: one export's long readahead neither delays
    /// another's nor takes every connection (see `readaheadPerExport`).
    private var readahead: [ExportLocation: JobQueue] = [:]
    private var readaheadTurn: [ExportLocation] = []
    /// Fetches running now, per export.
    private var running: [ExportLocation: Int] = [:]
    /// Exact ranges random readers wait for, fetched beside the blocks readers wait for.
    var rangeReads = [RangeRead]()
    /// Readahead blocks queued or being fetched, over all files: at most `maxReadahead`
    /// bytes' worth, so readahead waits for room rather than outgrowing memory.
    private var readaheadInFlight = 0
    var streams: [ExportLocation: StreamPosition] = [:]
    var learnedSizes: [ExportLocation: UInt64] = [:]
    /// Sizes the manifest promises: every fetch holds the server to them.
    var promisedSizes: [ExportLocation: UInt64] = [:]
    /// Whether each export's server honoured Range, once an answer has told.
    var rangeHonoured: [ExportLocation: Bool] = [:]
    /// Bumped each time an export is seen to have changed on the server.
    private var generations: [ExportLocation: Int] = [:]
    var nextStreamID = 0
    /// Blocks handed over and not yet written to disk; shutdown lets them be written.
    private var persisting = 0
    /// Blocks waiting for the disk writer, at most `options.pendingWrites`.
    private var writes: [(block: Block, key: BlockKey, validator: String?)] = []
    /// The disk writer waits on this for blocks to write (and for shutdown).
    private let writesQueued = Monitor.Condition()
    /// Blocks handed over and not on disk yet: a reader whose block the memory tier has
    /// dropped meanwhile (it may hold only a few) takes it from here, not from the network.
    var unwritten: [BlockKey: Block] = [:]
    var stopping = false
    /// `stopping`, readable without the lock: transfers poll it to end early.
    let stopped = Atomic<Bool>(false)
    /// Counts the bytes readers get, by the tier they came from.
    public let statistics: Statistics

    /// `pool` must make blocks of `options.blockSize`; by default one of the loader's own,
    /// keeping as many free buffers as fetches may run (the churn of a full memory cache).
    public init(source: any ExportSource, cache: any BlockCache, options: LoaderOptions = LoaderOptions(),
                pool: BlockPool? = nil, statistics: Statistics = Statistics()) {
        self.source = source
        self.statistics = statistics
        self.cache = cache
        self.options = options
        self.pool = pool ?? BlockPool(blockSize: options.blockSize, keep: options.workers)
        precondition(self.pool.blockSize == options.blockSize, "the pool's blocks are not of the loader's block size")
        for number in 0..<options.workers {
            let thread = Thread { [self] in workerLoop() }
            thread.name = "logdumpfs-fetch-\(number)"
            thread.start()
        }
        let writer = Thread { [self] in writerLoop() }
        writer.name = "logdumpfs-disk-writer"
        writer.start()
    }

    /// Stops the fetch threads; waiting readers get EIO. Fetches still running get a
    /// second to end on their own (one whose bytes have all arrived stores its block,
    /// which a reader may have had piece by piece), then are cancelled. Returns once
    /// blocks being written to disk are written (10 seconds at most), so a block a
    /// reader has had is on disk for the next mount.
    public func shutdown() {
        monitor.withLock {
            stopping = true // no new fetches; lingering streams end
            monitor.broadcast()
            writesQueued.broadcast()
            idleFetchers.wakeAll()
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(1))) { running.isEmpty }
            stopped.store(true, ordering: .releasing)
            for key in Array(flights.keys) { complete(key, .failure(.network("shutting down"))) }
            failQueuedRangeReads()
            monitor.broadcast()
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(10))) { persisting == 0 }
        }
    }

    /// The block's bytes: `blockSize` of them, fewer for the export's last block, none
    /// past its end. Blocks the calling thread until the block arrives or the wait times out.
    public func block(_ key: BlockKey) throws(Errno) -> [UInt8] {
        Array(try bytes(of: key, within: 0..<options.blockSize).bytes)
    }

    /// Bytes `range` of a block (fewer where the export ends within it). While the block
    /// is still arriving, returns as soon as the range has arrived. An interrupted
    /// reader gets EINTR at once; the fetch goes on only if another reader waits for it.
    public func bytes(of key: BlockKey, within range: Range<Int>,
                      interruption: ReadInterruption? = nil) throws(Errno) -> BlockSlice {
        let (slice, tier) = try bytes(of: key, within: range, interruption: interruption, lookups: 2)
        statistics.served(slice.count, from: tier)
        return slice
    }

    private func bytes(of key: BlockKey, within range: Range<Int>, interruption: ReadInterruption?,
                       lookups: Int) throws(Errno) -> (BlockSlice, ServedTier) {
        if let hit = cache.servingBlock(for: key) { return (BlockSlice(hit.block, clampedTo: range), hit.tier) }
        let deadline = MonotonicInstant.now().advanced(by: options.waitTimeout)
        let outcome: Outcome? = monitor.withLock {
            // Stored between the lookup above and this lock: read it outside the lock.
            if lookups > 1 && flights[key] == nil && cache.contains(key) { return nil }
            if let size = learnedSizes[key.location], startOffset(of: key.index) >= size { return .done(.success(.empty)) }
            if flights[key] == nil, let block = unwritten[key] { return .held(block) }
            if flights[key] == nil && stopping { return .done(.failure(.network("shutting down"))) } // nothing would fetch it
            let queuedBefore = flights[key]
            let flight = queuedBefore ?? startFlight(for: key) // a new flight is queued as demanded
            if let queuedBefore, queuedBefore.queued && !queuedBefore.started { // readahead a reader now waits for
                demanded.push(key)
                idleFetchers.wakeOne()
            }
            flight.readers += 1
            flight.abandoned.store(false, ordering: .releasing) // wanted again
            interruption?.wakes(monitor, condition: flight.arrived)
            _ = monitor.wait(until: deadline, on: flight.arrived) {
                if flight.result != nil || interruption?.isInterrupted == true { return true }
                guard let partial = flight.partial else { return false }
                if partial.filled >= range.upperBound { return true }
                partial.wanted = min(partial.wanted, range.upperBound) // ask to be woken then
                return false
            }
            flight.readers -= 1
            if let result = flight.result { return .done(result) }
            if let partial = flight.partial, partial.filled >= range.upperBound { return .partial(partial) }
            giveUp(flight)
            return interruption?.isInterrupted == true ? .interrupted : .timedOut
        }
        switch outcome {
        case nil:
            return try bytes(of: key, within: range, interruption: interruption, lookups: lookups - 1)
        case .partial(let partial)?:
            return (partial.slice(range), .network)
        case .done(.success(let block))?:
            return (BlockSlice(block, clampedTo: range), .network)
        case .held(let block)?:
            return (BlockSlice(block, clampedTo: range), .memory)
        case .done(.failure(let error))?:
            Log.warning("reading \(describe(key)) failed: \(error)")
            throw error.errno
        case .timedOut?:
            Log.warning("reading \(describe(key)) timed out after \(options.waitTimeout)")
            throw Errno.io
        case .interrupted?:
            Log.debug("reading \(key) interrupted")
            throw Errno.interrupted
        }
    }

    /// What a reader's wait for a block came to.
    private enum Outcome {
        case done(Result<Block, RemoteError>)
        /// Fetched, not yet on disk, no longer in the memory tier: still in memory.
        case held(Block)
        case partial(PartialBlock)
        case timedOut
        case interrupted
    }

    // MARK: Blocks in progress (called by BlockAssembler on its fetch thread)

    /// A buffer for the target block of a ranged fetch when readers already wait for it
    /// (readahead fills whole blocks before anyone reads them, without one). Its pages
    /// are not faulted in ahead: prefaulting a new 1 MiB mapping takes about 0.3 ms,
    /// which its readers would wait for before their first byte. It is got outside the
    /// lock, which every reader and fetch thread takes.
    func partialBlock(for key: BlockKey) -> PartialBlock? {
        guard let flight = monitor.withLock({ flights[key].flatMap { $0.readers > 0 ? $0 : nil } }) else { return nil }
        let partial = PartialBlock(pool.block(prefaulted: false), arrived: flight.arrived)
        return monitor.withLock {
            guard flights[key] === flight, flight.readers > 0 else { return nil } // they left meanwhile
            flight.partial = partial
            flight.arrived.broadcast() // its readers say how much of it they need
            return partial
        }
    }

    /// Publishes bytes written to a partial block, waking readers whose range is there.
    func advance(_ partial: PartialBlock, to filled: Int) {
        monitor.withLock {
            partial.filled = filled
            guard filled >= partial.wanted else { return }
            partial.wanted = Int.max // each waiter asks again for what it still lacks
            partial.arrived.broadcast()
        }
    }

    /// How many times the export has been seen to change on the server: a reader that
    /// opened it under another generation may have served bytes of the old version.
    public func generation(of location: ExportLocation) -> Int {
        monitor.withLock { generations[location, default: 0] }
    }

    /// The answer to a fetch carried a validator; when it tells of a change, cached
    /// blocks of the export are dropped and the export's generation moves on.
    func noteValidator(_ validator: String, for location: ExportLocation) {
        guard cache.noteValidator(validator, for: location) else { return }
        monitor.withLock {
            generations[location, default: 0] += 1
            unwritten = unwritten.filter { $0.key.location != location }
        }
    }

    func startOffset(of index: Int) -> UInt64 { UInt64(index) * UInt64(options.blockSize) }

    func learn(rangeHonoured honoured: Bool, of location: ExportLocation) {
        monitor.withLock { rangeHonoured[location] = honoured }
    }

    // MARK: Flights and jobs (lock held)

    private func startFlight(for key: BlockKey, demanded isDemanded: Bool = true) -> Flight {
        let flight = Flight()
        flights[key] = flight
        if let stream = streams[key.location], stream.next <= key.index {
            monitor.broadcast() // wake the stream if it lingers, waiting for demand
            return flight
        }
        enqueue(key, flight, demanded: isDemanded)
        return flight
    }

    func enqueue(_ key: BlockKey, _ flight: Flight, demanded isDemanded: Bool = true) {
        flight.queued = true
        if isDemanded {
            demanded.push(key)
        } else {
            if readahead[key.location] == nil { readaheadTurn.append(key.location) }
            readahead[key.location, default: JobQueue()].push(key)
        }
        idleFetchers.wakeOne()
    }

    /// The most fetch threads one export's readahead may hold; the rest stay free for
    /// other exports and for blocks readers wait for.
    private var readaheadPerExport: Int { max(1, options.workers / 2) }

    /// The next readahead block, taking exports in turn and skipping those at their limit.
    private func popReadahead() -> BlockKey? {
        for _ in 0..<readaheadTurn.count {
            let location = readaheadTurn.removeFirst()
            guard var queue = readahead[location] else { continue }
            guard running[location, default: 0] < readaheadPerExport else {
                readaheadTurn.append(location)
                continue
            }
            let key = queue.pop()
            if queue.isEmpty { readahead[location] = nil } else {
                readahead[location] = queue
                readaheadTurn.append(location)
            }
            if let key { return key }
        }
        return nil
    }

    /// Queues fetches of blocks a reader is expected to want soon, unless they are held,
    /// on their way, or past the export's end. Returns at once. Before the server has
    /// said whether it honours Range, nothing is fetched ahead (each fetch could be a
    /// whole-body download); when it does not, the blocks wait for the open stream.
    public func prefetch(_ location: ExportLocation, blocks: Range<Int>) {
        guard !blocks.isEmpty else { return }
        monitor.withLock {
            guard let honoured = rangeHonoured[location], honoured || streams[location] != nil else { return }
            let end = learnedSizes[location] ?? cache.recordedSize(of: location)
            let room = options.maxReadahead / options.blockSize
            for index in blocks {
                let key = BlockKey(location, index)
                if let end, startOffset(of: index) >= end { break }
                if readaheadInFlight >= room { break }
                guard flights[key] == nil, !cache.contains(key) else { continue }
                // Without Range, only blocks the open stream has yet to pass: one behind
                // it would start a second whole-body download.
                if !honoured, let stream = streams[location], index < stream.next { continue }
                let flight = startFlight(for: key, demanded: false)
                flight.isReadahead = true
                readaheadInFlight += 1
            }
        }
    }

    private func workerLoop() {
        while let job = nextJob() {
            let location: ExportLocation
            switch job {
            case .block(let key, let flight):
                location = key.location
                fetch(key, flight)
            case .range(let read):
                location = read.location
                fetch(read)
            }
            monitor.withLock {
                running[location, default: 1] -= 1
                if running[location] == 0 { running[location] = nil }
                monitor.broadcast()
                if stopping { writesQueued.broadcast() }
                if !readaheadTurn.isEmpty { idleFetchers.wakeOne() } // its export may be under its limit again
            }
        }
    }

    private enum Job {
        case block(BlockKey, Flight)
        case range(RangeRead)
    }

    /// The next thing to fetch: what readers wait for first, then readahead.
    private func nextJob() -> Job? {
        monitor.withLock {
            while true {
                if stopping { return nil }
                if let key = demanded.pop() {
                    guard let job = start(key) else { continue }
                    return job
                }
                if !rangeReads.isEmpty {
                    let read = rangeReads.removeFirst()
                    if read.abandoned.load(ordering: .acquiring) { continue }
                    running[read.location, default: 0] += 1
                    return .range(read)
                }
                if let key = popReadahead() {
                    guard let job = start(key) else { continue }
                    return job
                }
                // Woken by new jobs, and by fetches ending (an export under its limit again).
                idleFetchers.wait(on: monitor, until: MonotonicInstant.now().advanced(by: .seconds(1))) {
                    stopping || !demanded.isEmpty || !rangeReads.isEmpty
                        || readaheadTurn.contains { running[$0, default: 0] < readaheadPerExport }
                }
            }
        }
    }

    /// Marks a queued block as being fetched; nil when a stream delivered it already or
    /// it was queued twice and is being fetched (lock held).
    private func start(_ key: BlockKey) -> Job? {
        guard let flight = flights[key], !flight.started else { return nil }
        if flight.abandoned.load(ordering: .acquiring) && flight.readers == 0 {
            complete(key, .failure(.network("no reader wants it any more")))
            return nil
        }
        flight.started = true
        running[key.location, default: 0] += 1
        return .block(key, flight)
    }

    // MARK: Fetching (on a fetch thread, lock not held)

    private func fetch(_ key: BlockKey, _ flight: Flight) {
        let start = startOffset(of: key.index)
        let range = start..<(start + UInt64(options.blockSize))
        let assembler = BlockAssembler(loader: self, target: key, flight: flight)
        do {
            try source.transfer(request(key.location, range: range), into: assembler)
            assembler.finish()
        } catch let error where error.isRangeNotSatisfiable {
            deliver(.empty, for: key, validator: nil) // the export ends before this block
        } catch {
            assembler.fail(error)
        }
    }

    // MARK: Called by BlockAssembler

    /// Stores a block fetched under `validator` and hands it to the readers waiting for it.
    func deliver(_ block: Block, for key: BlockKey, validator: String?) {
        if !block.isEmpty { cache.store(block, for: key, validator: validator) }
        monitor.withLock {
            if !block.isEmpty { // before any reader can see the block
                persisting += 1
                unwritten[key] = block
            }
            complete(key, .success(block))
        }
        guard !block.isEmpty else { return }
        monitor.withLock {
            // A full queue holds the fetch back: the disk sets the pace, memory stays bounded.
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: options.waitTimeout)) {
                writes.count < options.pendingWrites
            }
            writes.append((block, key, validator))
            writesQueued.broadcast()
        }
    }

    /// Writes delivered blocks to disk on a thread of its own, so that fetching goes on
    /// meanwhile; after shutdown it empties its queue, then ends.
    private func writerLoop() {
        while true {
            let next: (block: Block, key: BlockKey, validator: String?)? = monitor.withLock {
                while writes.isEmpty {
                    // `persisting` also counts blocks handed over but not queued yet, and
                    // a fetch still running may hand one over.
                    if stopping && persisting == 0 && running.isEmpty { return nil }
                    _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(1)), on: writesQueued) {
                        (stopping && persisting == 0 && running.isEmpty) || !writes.isEmpty
                    }
                }
                return writes.removeFirst()
            }
            guard let next else { return }
            cache.persist(next.block, for: next.key, validator: next.validator)
            monitor.withLock {
                if unwritten[next.key] === next.block { unwritten[next.key] = nil }
                persisting -= 1
                monitor.broadcast()
            }
        }
    }

    func fail(_ key: BlockKey, _ error: RemoteError) {
        monitor.withLock { complete(key, .failure(error)) }
    }

    /// Ends a block's flight with its result and wakes its readers (lock held).
    func complete(_ key: BlockKey, _ result: Result<Block, RemoteError>) {
        guard let flight = flights.removeValue(forKey: key) else { return }
        flight.result = result
        if flight.isReadahead { readaheadInFlight -= 1 }
        flight.arrived.broadcast()
    }
}
