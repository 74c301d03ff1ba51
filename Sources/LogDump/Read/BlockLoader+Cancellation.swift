import Synchronization

/// Readers that stop waiting, and the transfers nobody wants any more: an interrupted
/// reader answers EINTR at once, and its block's transfer stops unless another reader
/// (or readahead) still wants the block.
extension BlockLoader {
    /// A reader gave up waiting (interrupted, timed out; lock held). Once none waits, a
    /// fetch that readahead did not ask for is unwanted: its transfer stops at its next
    /// poll. A reader served from the block as it arrives leaves the fetch alone: the
    /// next reads want the rest of it.
    func giveUp(_ flight: Flight) {
        if flight.readers == 0 && !flight.isReadahead {
            flight.abandoned.store(true, ordering: .releasing)
        }
    }

    /// Whether the transfer of `flight` should stop: no reader wants it, or the mount
    /// is stopping. Cheap enough for a source to poll on every chunk.
    func isUnwanted(_ flight: Flight?) -> Bool {
        stopped.load(ordering: .acquiring) || flight?.abandoned.load(ordering: .acquiring) == true
    }

    /// A transfer stopped because its block was unwanted. A reader that came since gets
    /// the block fetched again; otherwise the flight ends unseen.
    func abandon(_ key: BlockKey) {
        monitor.withLock {
            guard let flight = flights[key] else { return }
            if flight.readers > 0 && !stopping {
                flight.started = false
                flight.abandoned.store(false, ordering: .releasing)
                enqueue(key, flight)
            } else {
                complete(key, .failure(.network("no reader wants it any more")))
            }
        }
    }
}
