import Foundation
import Synchronization

/// A token as its issuer hands it out, with how long it stays good.
public struct IssuedToken: Sendable, Equatable {
    public var value: String
    /// From the moment it was received (the issuer's expires_at minus its issued_at).
    public var lifetime: Duration

    public init(value: String, lifetime: Duration) {
        self.value = value
        self.lifetime = lifetime
    }
}

/// A token that ends at a known time (IAM's 24 hours), renewed before it does: when less
/// than min(5 minutes, 20 % of its lifetime) remains, a thread of its own asks for the
/// next one while reads go on with the current. If that fails, the current token stays in
/// use until it ends, and renewal is tried again meanwhile. After a 401, or once the
/// token has ended, readers wait for a new one. One renewal at a time, always.
public final class ExpiringToken: TokenSource {
    private let issue: @Sendable () throws(RemoteError) -> IssuedToken
    private let lease: SingleFlight<Lease>
    /// Set while a renewal ahead of the end runs, so that only one thread is started.
    private let renewingAhead = Atomic<Bool>(false)

    /// A token and when to renew and give it up, on the monotonic clock.
    struct Lease: Sendable {
        var token: String
        var renewAt: MonotonicInstant
        var endsAt: MonotonicInstant

        init(_ issued: IssuedToken, receivedAt now: MonotonicInstant) {
            token = issued.value
            endsAt = now.advanced(by: issued.lifetime)
            renewAt = now.advanced(by: issued.lifetime - min(.seconds(300), issued.lifetime / 5))
        }
    }

    /// Gets the first token; its failure is the error.
    public init(issue: @escaping @Sendable () throws(RemoteError) -> IssuedToken) throws(RemoteError) {
        self.issue = issue
        lease = SingleFlight(Lease(try issue(), receivedAt: MonotonicInstant.now()))
    }

    public func currentToken() throws(RemoteError) -> String {
        let now = MonotonicInstant.now()
        let current = lease.current
        if now < current.renewAt { return current.token }
        if now < current.endsAt {
            renewAhead()
            return current.token
        }
        return try lease.refresh(when: { now >= $0.endsAt }) { _ throws(RemoteError) in try fresh() }.token
    }

    public func renewed(after rejected: String) throws(RemoteError) -> String {
        try lease.refresh(when: { $0.token == rejected }) { _ throws(RemoteError) in try fresh() }.token
    }

    private func fresh() throws(RemoteError) -> Lease {
        Lease(try issue(), receivedAt: MonotonicInstant.now())
    }

    /// Starts a thread that renews the lease, unless one runs already. A failure keeps
    /// the current token and tries again after a quarter of the time it has left (30 s at
    /// most), so that a broken identity service is not asked on every read.
    private func renewAhead() {
        guard renewingAhead.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            return
        }
        Thread.detachNewThread { [self] in
            defer { renewingAhead.store(false, ordering: .releasing) }
            let now = MonotonicInstant.now()
            _ = try? lease.refresh(waiting: false, when: { now >= $0.renewAt }) { old in
                do throws(RemoteError) {
                    return try fresh()
                } catch {
                    let left = Duration.nanoseconds(Int64(old.endsAt.nanoseconds) - Int64(now.nanoseconds))
                    Log.warning("renewing the token failed (\(error)); the current one stays in use for \(left.secondsText) more")
                    var postponed = old
                    postponed.renewAt = now.advanced(by: min(.seconds(30), left / 4))
                    return postponed
                }
            }
        }
    }
}
