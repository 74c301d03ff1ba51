/// Whole-body streams: a server that ignores Range sends the export from byte 0, and
/// one such answer is kept going while readers want blocks ahead of it.
extension BlockLoader {
    /// Registers a whole-body stream of the export unless one is open already; returns
    /// its id, or nil when another stream is registered.
    func streamStarted(_ location: ExportLocation) -> Int? {
        monitor.withLock {
            guard streams[location] == nil else { return nil }
            nextStreamID += 1
            streams[location] = StreamPosition(id: nextStreamID, next: 0)
            return nextStreamID
        }
    }

    /// Whether a stream that is about to deliver block `next` should go on: while it has
    /// not reached `target`, and then as long as readers want blocks at or past `next`,
    /// waiting up to `streamLinger` for one to ask.
    func streamShouldContinue(_ location: ExportLocation, id: Int?, next: Int, target: Int) -> Bool {
        monitor.withLock {
            if let id, streams[location]?.id == id { streams[location]?.next = next }
            if stopping { return false }
            if next <= target { return true }
            let deadline = MonotonicInstant.now().advanced(by: options.streamLinger)
            return monitor.wait(until: deadline) {
                stopping || flights.keys.contains { $0.location == location && $0.index >= next }
            } && !stopping
        }
    }

    /// A stream closed. At the end of the export (`size` known) every reader waiting for
    /// a later block gets EOF; otherwise those that were waiting for this stream are
    /// queued for fetching, or failed with `error`.
    func streamEnded(_ location: ExportLocation, id: Int?, size: UInt64?, error: RemoteError?) {
        monitor.withLock {
            if let id, streams[location]?.id == id { streams[location] = nil }
            for (key, flight) in flights where key.location == location {
                if let size, startOffset(of: key.index) >= size {
                    complete(key, .success(.empty))
                } else if !flight.queued && streams[location] == nil {
                    if let error {
                        complete(key, .failure(error))
                    } else {
                        enqueue(key, flight)
                    }
                }
            }
            monitor.broadcast()
        }
    }
}

/// Where an open whole-body stream of an export has got to.
struct StreamPosition {
    let id: Int
    var next: Int
}
