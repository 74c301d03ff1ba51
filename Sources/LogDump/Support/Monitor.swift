#if canImport(Glibc)
import Glibc
#endif

/// A mutex and its condition variable: state guarded by `withLock`, threads that wait
/// for it to change with a deadline. Used where a plain thread (a FUSE worker, a fetch
/// worker) must block; Swift's cooperative pool never waits on one.
public final class Monitor: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    public init() {
        pthread_mutex_init(&mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(&condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    public func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Waits until `ready()` is true or the deadline passes; call with the lock held
    /// (inside `withLock`). Returns whether `ready()` became true. With `condition`, only
    /// that condition's `broadcast` wakes the wait, not the monitor's.
    public func wait(until deadline: MonotonicInstant, on condition: Condition? = nil,
                     for ready: () -> Bool) -> Bool {
        var limit = deadline.cTimespec
        while !ready() {
            let code = if let condition {
                pthread_cond_timedwait(condition.variable, &mutex, &limit)
            } else {
                pthread_cond_timedwait(&self.condition, &mutex, &limit)
            }
            if code == ETIMEDOUT { return ready() }
        }
        return true
    }

    /// Wakes every waiter; call with the lock held.
    public func broadcast() {
        pthread_cond_broadcast(&condition)
    }

    /// A condition variable of its own, used with a monitor's lock, for one waiter whose
    /// event concerns no other thread: waking it alone spares the monitor's other waiters
    /// (fetch threads, the disk writer) a wake-up each, which on two cores delays the one
    /// that matters by some 0.1 ms.
    public final class Condition: @unchecked Sendable {
        fileprivate let variable: UnsafeMutablePointer<pthread_cond_t>

        public init() {
            variable = .allocate(capacity: 1)
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(variable, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(variable)
            variable.deallocate()
        }

        /// Wakes its waiters; call with the lock of the monitor they wait with held.
        public func broadcast() {
            pthread_cond_broadcast(variable)
        }
    }
}

/// A point on CLOCK_MONOTONIC, which no wall-clock change moves.
public struct MonotonicInstant: Comparable, Sendable {
    public let nanoseconds: UInt64

    public static func now() -> MonotonicInstant {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return MonotonicInstant(nanoseconds: UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec))
    }

    public func advanced(by duration: Duration) -> MonotonicInstant {
        let (seconds, attoseconds) = duration.components
        let delta = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        return MonotonicInstant(nanoseconds: nanoseconds &+ UInt64(delta))
    }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool {
        a.nanoseconds < b.nanoseconds
    }

    var cTimespec: timespec {
        timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    }
}

/// Sleeps the calling thread (never call it from Swift's cooperative pool).
public func sleepFor(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    var time = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
    nanosleep(&time, nil)
}
