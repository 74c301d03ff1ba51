/// When a failed transfer is tried again, and after how long. A value: the daemon builds
/// one from its flags (`--retry-deadline`), tests inject the random source.
///
/// Backoff is exponential with *full* jitter (AWS's "Exponential Backoff and Jitter"):
/// each wait is uniform in [0, min(maxDelay, baseDelay·2^attempt)), so threads failing
/// together do not come back together and hammer a server that is already struggling.
public struct RetryPolicy: Sendable {
    /// How long one transfer may go on failing before its last error is returned.
    public var deadline: Duration
    /// The first wait's ceiling; each failure in a row doubles it ...
    public var baseDelay: Duration
    /// ... up to this.
    public var maxDelay: Duration
    /// A fraction in [0, 1): where in its range each wait falls.
    public var random: @Sendable () -> Double

    public init(deadline: Duration = .seconds(60), baseDelay: Duration = .milliseconds(100),
                maxDelay: Duration = .seconds(5),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.deadline = deadline
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.random = random
    }

    /// What another attempt may cure: throttling, a server error that passes, a network
    /// that fails (a server that is down comes back), a stall, a body cut short. Not:
    /// 401/403 (the token source renews tokens, not retries) or no token at all, 404, 416
    /// and other 4xx, an answer that breaks the protocol, an export that changed, a
    /// certificate that cannot be verified.
    public func isRetryable(_ error: RemoteError) -> Bool {
        switch error {
        case .http(let status, _, _, _): return [429, 500, 502, 503, 504].contains(status)
        case .network, .timedOut, .bodyEndedEarly: return true
        case .badResponse, .exportChanged, .sizeMismatch, .tokenUnavailable, .tls: return false
        }
    }

    /// The most that wait number `attempt` (0 for the first) may be: base·2^attempt, capped.
    public func backoffCeiling(attempt: Int) -> Duration {
        var ceiling = baseDelay
        for _ in 0..<max(0, attempt) where ceiling < maxDelay { ceiling *= 2 }
        return min(ceiling, maxDelay)
    }

    /// How long to wait before the next attempt, or nil to give up now: the error is not
    /// retryable, no time is left, or the server's Retry-After ends past the deadline
    /// (sleeping until then would be useless). The wait is at least Retry-After; the
    /// jitter is drawn below what remains, so a server that is down is tried until the end.
    public func delay(after error: RemoteError, attempt: Int, remaining: Duration) -> Duration? {
        guard isRetryable(error), remaining > .zero else { return nil }
        if let retryAfter = error.retryAfter, retryAfter >= remaining { return nil }
        let jitter = min(backoffCeiling(attempt: attempt), remaining) * min(max(random(), 0), 1)
        return max(jitter, error.retryAfter ?? .zero)
    }
}
