import Synchronization

/// Readers waiting for one block; `result` is set once, under the loader's lock.
final class Flight {
    var result: Result<Block, RemoteError>?
    /// A fetch job is queued for it (rather than waiting for an open stream to pass it).
    var queued = false
    /// A fetch thread has taken the job.
    var started = false
    /// Asked for by readahead, not (yet) by a reader.
    var isReadahead = false
    /// Readers waiting now.
    var readers = 0
    /// The block as it arrives, when readers wait for it.
    var partial: PartialBlock?
    /// No reader waits any more: its transfer may stop. Set and cleared under the
    /// loader's lock, read without it by the transfer.
    let abandoned = Atomic<Bool>(false)
}

/// Blocks waiting for a fetch thread, first in first out.
struct JobQueue {
    private var keys: [BlockKey] = []
    private var head = 0

    var isEmpty: Bool { head == keys.count }

    mutating func push(_ key: BlockKey) { keys.append(key) }

    mutating func pop() -> BlockKey? {
        guard head < keys.count else { return nil }
        let key = keys[head]
        head += 1
        if head == keys.count || head > 1024 {
            keys.removeFirst(head)
            head = 0
        }
        return key
    }
}
