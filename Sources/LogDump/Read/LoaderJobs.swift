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
    /// Its readers wait on this, woken when its bytes arrive or it ends: on the loader's
    /// own condition every block's progress would wake the readers of every other block
    /// and the disk writer (some twenty context switches per block of a cold `cat`).
    let arrived = Monitor.Condition()
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

/// Idle fetch threads, each asleep on a condition of its own, so that a new job wakes
/// one of them: a broadcast would wake every idle thread, and on two cores the one that
/// takes the job waits for the others to go back to sleep. (Not pthread_cond_signal:
/// glibc before 2.41 can lose its wake-ups when waits time out, bug 25847.)
/// Used under the loader's monitor only.
final class IdleFetchers {
    /// Conditions of threads asleep now, the last to fall asleep last.
    private var asleep: [Monitor.Condition] = []
    /// Conditions of threads awake, kept for their next sleep.
    private var spare: [Monitor.Condition] = []

    /// Waits until `ready()` or `deadline`, where `wakeOne` can find this thread; call
    /// with the monitor's lock held.
    func wait(on monitor: Monitor, until deadline: MonotonicInstant, for ready: () -> Bool) {
        let condition = spare.popLast() ?? Monitor.Condition()
        _ = monitor.wait(until: deadline, on: condition) {
            if ready() { return true }
            // Asleep again (woken for a job another thread took): findable again.
            if !asleep.contains(where: { $0 === condition }) { asleep.append(condition) }
            return false
        }
        asleep.removeAll { $0 === condition }
        spare.append(condition)
    }

    /// Wakes the thread that fell asleep last (its caches are the warmest), if any.
    func wakeOne() {
        asleep.popLast()?.broadcast()
    }

    /// Wakes them all (shutdown).
    func wakeAll() {
        for condition in asleep { condition.broadcast() }
        asleep.removeAll()
    }
}
