/// Cuts one transfer's body into blocks and delivers each to the loader as it completes.
/// A 206 answer carries the target block; a 200 answer is the whole export from byte
/// 0 (the server ignored Range) and is kept going as a stream while readers want more.
final class BlockAssembler: TransferSink {
    private let loader: BlockLoader
    private let target: BlockKey
    private let blockSize: Int
    private var index: Int
    /// The block being filled: from the pool once the answer begins.
    private var buffer = Block.empty
    private var isStream = false
    private var streamID: Int?
    private var stoppedEarly = false
    /// The answer's ETag or Last-Modified: the version of the bytes being delivered.
    private var validator: String?
    /// `buffer` shown to the readers that already wait for it, so that each can have its
    /// range as soon as it has arrived.
    private var partial: PartialBlock?
    /// The target's flight, whose readers may all leave (interrupted) mid-transfer.
    private let flight: Flight
    /// The source was told the transfer is unwanted: whatever it ends with is not the
    /// export's end, even if it returns without an error.
    private var cancelSeen = false
    /// The body length the answer promised, if it did.
    private var promised: Int?

    init(loader: BlockLoader, target: BlockKey, flight: Flight) {
        self.loader = loader
        self.target = target
        self.flight = flight
        self.blockSize = loader.options.blockSize
        self.index = target.index
    }

    func begin(_ head: ResponseHead) -> Bool {
        validator = head.validator
        promised = head.bodyLength.map { Int($0) }
        loader.heardFacts.note(head, of: target.location)
        if let validator { loader.noteValidator(validator, for: target.location) }
        if let total = head.totalSize { loader.learn(size: total, of: target.location) }
        loader.learn(rangeHonoured: head.rangeHonoured, of: target.location)
        if head.rangeHonoured {
            guard head.bodyOffset == loader.startOffset(of: target.index) else {
                loader.fail(target, .badResponse("asked for bytes from \(loader.startOffset(of: target.index)), got them from \(head.bodyOffset)"))
                stoppedEarly = true
                return false
            }
            partial = loader.partialBlock(for: target)
            buffer = partial?.block ?? loader.pool.block()
        } else {
            isStream = true
            index = 0
            streamID = loader.streamStarted(target.location)
            Log.debug("server ignored Range for \(target.location.key): streaming the whole body")
            buffer = loader.pool.block()
        }
        return true
    }

    /// A stream serves readers of many blocks and ends by lingering; only shutdown
    /// cancels it. A ranged fetch is cancelled when no reader waits for its block.
    var isCancelled: Bool {
        if cancelSeen { return true }
        cancelSeen = loader.isUnwanted(isStream ? nil : flight)
        return cancelSeen
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if isCancelled { return false }
        var rest = bytes
        while !rest.isEmpty {
            let taken = buffer.append(rest)
            guard taken > 0 else { return true } // more than asked: ignore
            if let partial { loader.advance(partial, to: buffer.count) }
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            guard isStream, buffer.count == blockSize else { continue }
            loader.deliver(buffer, for: BlockKey(target.location, index), validator: validator)
            buffer = loader.pool.block()
            index += 1
            if !loader.streamShouldContinue(target.location, id: streamID, next: index, target: target.index) {
                stoppedEarly = true
                return false
            }
        }
        return true
    }

    /// The transfer ended without an error: deliver what is left. A body that ended on
    /// its own before a full block (or a whole body that ended at all) marks the export's end.
    func finish() {
        if cancelSeen && !hasPromisedBody {
            if isStream { loader.streamEnded(target.location, id: streamID, size: nil, error: nil) }
            else { loader.abandon(target) }
            return
        }
        guard !stoppedEarly else {
            if isStream { loader.streamEnded(target.location, id: streamID, size: nil, error: nil) }
            return
        }
        let key = BlockKey(target.location, index)
        let reachedEnd = isStream || buffer.count < blockSize
        let size = loader.startOffset(of: index) + UInt64(buffer.count)
        // Learn the size before the last block is handed over: its reader may ask next.
        if reachedEnd { loader.learn(size: size, of: target.location) }
        if !buffer.isEmpty || !isStream { loader.deliver(buffer, for: key, validator: validator) }
        if isStream { loader.streamEnded(target.location, id: streamID, size: size, error: nil) }
        else if reachedEnd { loader.streamEnded(target.location, id: nil, size: size, error: nil) }
    }

    /// A ranged answer whose every promised byte arrived: complete, even if the source
    /// asked whether it was still wanted after the last one.
    private var hasPromisedBody: Bool {
        guard !isStream, let promised else { return false }
        return buffer.count >= promised
    }

    func fail(_ error: RemoteError) {
        if cancelSeen && !isStream { return loader.abandon(target) }
        loader.fail(target, error)
        if isStream { loader.streamEnded(target.location, id: streamID, size: nil, error: error) }
    }
}
