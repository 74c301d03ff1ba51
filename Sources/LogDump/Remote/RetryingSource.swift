import Synchronization

/// An ExportSource that keeps a transfer going through throttling (429), server errors,
/// resets, stalls and bodies cut short, until `policy.deadline` passes without progress;
/// then it returns the last error, and logs once why it gave up.
///
/// Bytes already delivered are kept: a retry asks only for the rest (see ResumingSink).
/// Every attempt first takes a permit from its endpoint's ConcurrencyLimiter, so a
/// throttling server sees fewer connections, not more. A transfer whose sink is
/// cancelled stops within about 50 ms of a backoff sleep, and that is not an error.
public final class RetryingSource: ExportSource {
    public let policy: RetryPolicy
    /// The most transfers per endpoint at once (`--max-connections`).
    public let maxConcurrency: Int
    private let inner: any ExportSource
    private let limiters = Mutex<[Endpoint: ConcurrencyLimiter]>([:])
    /// Counts retries and follows the transfers in flight.
    private let statistics: Statistics

    /// Sleeps are cut into slices this long, so that cancellation is noticed promptly.
    static let sleepSlice: Duration = .milliseconds(50)

    public init(wrapping source: any ExportSource, policy: RetryPolicy = RetryPolicy(), maxConcurrency: Int = 8,
                statistics: Statistics = Statistics()) {
        self.inner = source
        self.statistics = statistics
        self.policy = policy
        self.maxConcurrency = max(1, maxConcurrency)
    }

    /// The throttle shared by every transfer to `endpoint`.
    public func limiter(for endpoint: Endpoint) -> ConcurrencyLimiter {
        limiters.withLock { limiters in
            if let limiter = limiters[endpoint] { return limiter }
            let limiter = ConcurrencyLimiter(maxConcurrency: maxConcurrency)
            limiters[endpoint] = limiter
            return limiter
        }
    }

    /// Each endpoint's concurrency limit now, for the statistics.
    public func concurrencyGauges() -> [ConcurrencyGauge] {
        limiters.withLock { $0.map { ($0.key, $0.value) } }.sorted { "\($0.0)" < "\($1.0)" }.map { endpoint, limiter in
            ConcurrencyGauge(endpoint: "\(endpoint)", limit: Int(limiter.limit), maximum: limiter.maxConcurrency,
                             inFlight: limiter.inFlight)
        }
    }

    /// The deadline is `request.timeout` (a limit on the whole transfer: each attempt gets
    /// what is left of it) or else `policy.deadline`, which starts again whenever an
    /// attempt delivers new bytes: a long download fails only once it stops progressing.
    public func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let limiter = limiter(for: request.location.endpoint)
        let progress = statistics.beginTransfer(of: request.location.key.path, size: request.expectedSize)
        defer { statistics.endTransfer(progress) }
        let resuming = ResumingSink(request: request, downstream: CountingSink(sink, progress))
        var retries = RetryProgress(budget: request.timeout ?? policy.deadline)
        while true {
            guard let permit = limiter.acquire(until: retries.deadline, isCancelled: { sink.isCancelled }) else {
                if sink.isCancelled { return }
                throw giveUp(retries.lastError ?? .timedOut("no connection to \(request.location.endpoint) came free: throttled"),
                             request, resuming, retries)
            }
            var attempt = resuming.nextRequest()
            if request.timeout != nil { attempt.timeout = retries.remaining }
            retries.attempts += 1
            var result = Result { () throws(RemoteError) in try inner.transfer(attempt, into: resuming) }
            permit.release(Self.outcome(of: result))
            if resuming.downstreamStopped || sink.isCancelled { return }
            if let failure = resuming.failure { throw failure }
            if case .success = result {
                switch resuming.completion() {
                case .done: return
                case .more: // a 206 brought less than asked: the rest, at once
                    retries.advanced(to: resuming.delivered, refreshDeadline: request.timeout == nil)
                    continue
                case .failed(let error): result = .failure(error)
                }
            }
            guard case .failure(let error) = result else { return }
            if resuming.hasWholeBody { return }
            if error.isRangeNotSatisfiable {
                if let outcome = resuming.rangeNotSatisfiable(error) { throw outcome }
                return
            }
            guard policy.isRetryable(error) else { throw error }
            retries.failed(with: error, delivered: resuming.delivered, refreshDeadline: request.timeout == nil)
            guard let wait = policy.delay(after: error, attempt: retries.failuresInARow - 1,
                                          remaining: retries.remaining) else {
                throw giveUp(error, request, resuming, retries)
            }
            statistics.retried()
            Log.debug("retrying \(describe(request)) in \(wait.secondsText) after attempt \(retries.attempts): \(error)")
            guard Self.sleep(wait, unless: { sink.isCancelled }) else { return }
        }
    }

    /// What an attempt tells the endpoint's throttle.
    private static func outcome(of result: Result<Void, RemoteError>) -> ConcurrencyLimiter.Outcome {
        switch result {
        case .success: .succeeded
        case .failure(let error): error.status == 429 ? .throttled : .failed
        }
    }

    /// Logs the one line that says why a transfer was abandoned, and returns its error.
    private func giveUp(_ error: RemoteError, _ request: TransferRequest, _ resuming: ResumingSink,
                        _ progress: RetryProgress) -> RemoteError {
        Log.warning("giving up on \(describe(request)) after \(progress.attempts) attempt(s) in "
                    + "\(progress.elapsed.secondsText), \(resuming.delivered) bytes delivered: \(error)")
        return error
    }

    private func describe(_ request: TransferRequest) -> String {
        let bytes = request.range.map { "bytes \($0.lowerBound)-\($0.upperBound - 1)" } ?? "the whole body"
        return "\(request.location.key) (\(bytes))"
    }

    /// Sleeps `duration` in short slices; false as soon as `isCancelled` turns true.
    static func sleep(_ duration: Duration, unless isCancelled: () -> Bool) -> Bool {
        let end = MonotonicInstant.now().advanced(by: duration)
        while true {
            if isCancelled() { return false }
            let now = MonotonicInstant.now()
            guard now < end else { return true }
            sleepFor(min(sleepSlice, .nanoseconds(Int64(end.nanoseconds - now.nanoseconds))))
        }
    }
}

/// One transfer's (or API call's) attempts so far, and how long it has left.
public struct RetryProgress: Sendable {
    public let budget: Duration
    public let started = MonotonicInstant.now()
    public private(set) var deadline: MonotonicInstant
    public var attempts = 0
    /// Failures since bytes last arrived: the backoff's exponent.
    public private(set) var failuresInARow = 0
    public private(set) var lastError: RemoteError?
    private var deliveredBefore: UInt64 = 0

    public init(budget: Duration) {
        self.budget = budget
        deadline = started.advanced(by: budget)
    }

    public var remaining: Duration {
        let now = MonotonicInstant.now()
        return now < deadline ? .nanoseconds(Int64(deadline.nanoseconds - now.nanoseconds)) : .zero
    }

    public var elapsed: Duration { .nanoseconds(Int64(MonotonicInstant.now().nanoseconds - started.nanoseconds)) }

    /// An attempt failed.
    public mutating func failed(with error: RemoteError, delivered: UInt64, refreshDeadline: Bool) {
        lastError = error
        advanced(to: delivered, refreshDeadline: refreshDeadline)
        failuresInARow += 1
    }

    /// Bytes delivered so far: if more than before, the backoff starts over (and, unless
    /// the budget is a whole-transfer limit, so does the deadline).
    public mutating func advanced(to delivered: UInt64, refreshDeadline: Bool) {
        guard delivered > deliveredBefore else { return }
        deliveredBefore = delivered
        failuresInARow = 0
        if refreshDeadline { deadline = MonotonicInstant.now().advanced(by: budget) }
    }
}

/// Passes a transfer's body on, counting its bytes for the statistics.
private final class CountingSink: TransferSink {
    private let downstream: TransferSink
    private let progress: TransferProgress

    init(_ downstream: TransferSink, _ progress: TransferProgress) {
        self.downstream = downstream
        self.progress = progress
    }

    func begin(_ head: ResponseHead) -> Bool {
        progress.learned(size: head.totalSize)
        return downstream.begin(head)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        progress.received(bytes.count)
        return downstream.receive(bytes)
    }

    var isCancelled: Bool { downstream.isCancelled }
}
