/// How many transfers one endpoint gets at once, learned from its 429s (AIMD, as TCP
/// does with its window): a throttled server gets fewer connections, so retries do not
/// become the overload; one that keeps answering gets them back, one at a time.
///
/// The limit starts at the most allowed (`--max-connections`, the loader's fetch
/// threads). A 429 halves it, at most once per `decreaseWindow` (a burst of 429s from
/// one moment is one signal), never below 1; each success adds 1/limit, so a whole
/// round of `limit` successes adds one transfer, up to the maximum.
public final class ConcurrencyLimiter: @unchecked Sendable {
    /// What a transfer that held a permit came to.
    public enum Outcome: Sendable {
        case succeeded
        /// 429: the server said it is overloaded.
        case throttled
        /// Any other failure: says nothing about load.
        case failed
    }

    /// The right to run one transfer, held by one thread. `release` gives it back with
    /// the transfer's outcome; a permit dropped unreleased goes back as `.failed`.
    public final class Permit {
        private let limiter: ConcurrencyLimiter
        private var released = false

        fileprivate init(limiter: ConcurrencyLimiter) { self.limiter = limiter }

        /// Only the first call counts.
        public func release(_ outcome: Outcome) {
            guard !released else { return }
            released = true
            limiter.finish(outcome)
        }

        deinit { release(.failed) }
    }

    public let maxConcurrency: Int
    public let decreaseWindow: Duration
    private let clock: @Sendable () -> MonotonicInstant
    private let monitor = Monitor()
    // Guarded by `monitor`.
    private var currentLimit: Double
    private var running = 0
    private var lastDecrease: MonotonicInstant?

    /// `clock` is injectable so that tests can place 429s inside or outside one window.
    public init(maxConcurrency: Int, decreaseWindow: Duration = .seconds(1),
                clock: @escaping @Sendable () -> MonotonicInstant = { .now() }) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.decreaseWindow = decreaseWindow
        self.clock = clock
        currentLimit = Double(self.maxConcurrency)
    }

    /// Transfers allowed at once now: floor of this, at least 1.
    public var limit: Double { monitor.withLock { currentLimit } }

    /// Transfers holding a permit now.
    public var inFlight: Int { monitor.withLock { running } }

    /// Waits while floor(limit) transfers run. Nil once `deadline` passes or `isCancelled`
    /// (polled every 50 ms, outside the lock: it is the caller's code) turns true.
    public func acquire(until deadline: MonotonicInstant, isCancelled: () -> Bool = { false }) -> Permit? {
        while !isCancelled() {
            let admitted = monitor.withLock {
                let slice = min(deadline, MonotonicInstant.now().advanced(by: .milliseconds(50)))
                guard monitor.wait(until: slice, for: { running < Int(currentLimit) }) else { return false }
                running += 1
                return true
            }
            if admitted { return Permit(limiter: self) }
            if MonotonicInstant.now() >= deadline { return nil }
        }
        return nil
    }

    private func finish(_ outcome: Outcome) {
        monitor.withLock {
            running -= 1
            switch outcome {
            case .succeeded:
                currentLimit = min(Double(maxConcurrency), currentLimit + 1 / currentLimit)
            case .throttled:
                let now = clock()
                if lastDecrease.map({ now >= $0.advanced(by: decreaseWindow) }) ?? true {
                    currentLimit = max(1, currentLimit / 2)
                    lastDecrease = now
                }
            case .failed:
                break
            }
            monitor.broadcast()
        }
    }
}
