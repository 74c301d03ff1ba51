/// A value that many threads read and one at a time replaces. A caller that needs a new
/// value while another caller is getting one waits for that outcome, error included,
/// instead of starting a second: eight 401s at once run one token command, not eight.
/// Blocking: use it from plain threads, never from Swift's cooperative pool.
public final class SingleFlight<Value: Sendable>: @unchecked Sendable {
    private let monitor = Monitor()
    private var value: Value
    private var inFlight = false
    /// Renewals finished so far: a waiter's renewal is over when this moves.
    private var finished = 0
    private var lastFailure: RemoteError?
    /// How long a waiter waits for another caller's renewal before it gives up.
    private let patience: Duration

    public init(_ value: Value, patience: Duration = .seconds(120)) {
        self.value = value
        self.patience = patience
    }

    public var current: Value { monitor.withLock { value } }

    /// The value, first replaced by `renew(old)` when `isStale(value)` says so. When a
    /// renewal is already running, waits for it and shares its outcome; with `waiting`
    /// false, takes the current value at once instead. `renew` runs without the lock.
    public func refresh(waiting: Bool = true, when isStale: (Value) -> Bool,
                        _ renew: (Value) throws(RemoteError) -> Value) throws(RemoteError) -> Value {
        let step: Step = monitor.withLock {
            guard isStale(value) else { return .done(value) }
            guard inFlight else {
                inFlight = true
                return .lead(value)
            }
            guard waiting else { return .done(value) }
            let round = finished
            let deadline = MonotonicInstant.now().advanced(by: patience)
            guard monitor.wait(until: deadline, for: { finished != round }) else {
                return .failed(.tokenUnavailable("waited \(patience.secondsText) for a token renewal in progress"))
            }
            if let lastFailure { return .failed(lastFailure) }
            return .done(value)
        }
        switch step {
        case .done(let value): return value
        case .failed(let error): throw error
        case .lead(let old):
            let outcome: Result<Value, RemoteError>
            do throws(RemoteError) { outcome = .success(try renew(old)) } catch { outcome = .failure(error) }
            monitor.withLock {
                switch outcome {
                case .success(let new): value = new; lastFailure = nil
                case .failure(let error): lastFailure = error
                }
                inFlight = false
                finished += 1
                monitor.broadcast()
            }
            return try outcome.get()
        }
    }

    private enum Step {
        case done(Value), failed(RemoteError), lead(Value)
    }
}
