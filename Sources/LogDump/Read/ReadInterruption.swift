import Synchronization

/// Set when the kernel says the process behind a read was interrupted (a signal, or it
/// was killed): the read stops waiting and answers EINTR at once, rather than hold the
/// dying process until its block arrives. One per read request.
public final class ReadInterruption: Sendable {
    private let flag = Atomic<Bool>(false)
    /// The monitor the read is waiting on, woken when the interruption comes.
    private let waiting = Mutex<Monitor?>(nil)

    public init() {}

    public var isInterrupted: Bool { flag.load(ordering: .acquiring) }

    /// Callable from any thread (libfuse's interrupt callback runs on another worker).
    public func interrupt() {
        flag.store(true, ordering: .releasing)
        if let monitor = waiting.withLock({ $0 }) {
            monitor.withLock { monitor.broadcast() }
        }
    }

    /// Names the monitor whose waiters must wake; call before checking `isInterrupted`
    /// under that monitor's lock, so that no interruption is missed.
    func wakes(_ monitor: Monitor) {
        waiting.withLock { $0 = monitor }
    }
}
