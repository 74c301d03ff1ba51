import Synchronization

/// Set when the kernel says the process behind a read was interrupted (a signal, or it
/// was killed): the read stops waiting and answers EINTR at once, rather than hold the
/// dying process until its block arrives. One per read request.
public final class ReadInterruption: Sendable {
    private let flag = Atomic<Bool>(false)
    /// The monitor the read is waiting on (and the condition, if one of its own), woken
    /// when the interruption comes.
    private let waiting = Mutex<(Monitor, Monitor.Condition?)?>(nil)

    public init() {}

    public var isInterrupted: Bool { flag.load(ordering: .acquiring) }

    /// Callable from any thread (libfuse's interrupt callback runs on another worker).
    public func interrupt() {
        flag.store(true, ordering: .releasing)
        if let (monitor, condition) = waiting.withLock({ $0 }) {
            monitor.withLock {
                monitor.broadcast()
                condition?.broadcast()
            }
        }
    }

    /// Names the monitor whose waiters must wake (and the condition of its own the read
    /// waits on, if any); call before checking `isInterrupted` under that monitor's lock,
    /// so that no interruption is missed.
    func wakes(_ monitor: Monitor, condition: Monitor.Condition? = nil) {
        waiting.withLock { $0 = (monitor, condition) }
    }
}
