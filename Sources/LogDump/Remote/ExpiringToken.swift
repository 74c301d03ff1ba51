import Foundation
import Synchronization

/// A credential as its issuer hands it out, with how long it stays good.
public struct Issued<Value: Sendable & Equatable>: Sendable, Equatable {
    public var value: Value
    /// From the moment it was received (the issuer's expires_at minus its issued_at).
    public var lifetime: Duration

    public init(value: Value, lifetime: Duration) {
        self.value = value
        self.lifetime = lifetime
    }
}

/// A token as IAM hands it out.
public typealias IssuedToken = Issued<String>

/// A token that ends at a known time (IAM's 24 hours).
public typealias ExpiringToken = Expiring<String>

/// A credential that ends at a known time (a token, temporary access keys), renewed
/// before it does: when less than min(`renewMargin`, 20 % of its lifetime) remains, a
/// thread of its own asks for the next one while reads go on with the current. If that
/// fails, the current one stays in use until it ends, and renewal is tried again
/// meanwhile. After a 401, or once it has ended, callers wait for a new one. One renewal
/// at a time, always.
public final class Expiring<Value: Sendable & Equatable>: Sendable {
    private let issue: @Sendable () throws(RemoteError) -> Issued<Value>
    private let lease: SingleFlight<Lease>
    /// Set while a renewal ahead of the end runs, so that only one thread is started.
    private let renewingAhead = Atomic<Bool>(false)
    private let renewMargin: Duration
    /// What the credential is, for the log: "the token".
    private let what: String

    /// A credential and when to renew and give it up, on the monotonic clock.
    struct Lease: Sendable {
        var value: Value
        var renewAt: MonotonicInstant
        var endsAt: MonotonicInstant

        init(_ issued: Issued<Value>, receivedAt now: MonotonicInstant, margin: Duration) {
            value = issued.value
            endsAt = now.advanced(by: issued.lifetime)
            renewAt = now.advanced(by: issued.lifetime - min(margin, issued.lifetime / 5))
        }
    }

    /// Gets the first credential; its failure is the error.
    public init(what: String = "the token", renewMargin: Duration = .seconds(300),
                issue: @escaping @Sendable () throws(RemoteError) -> Issued<Value>) throws(RemoteError) {
        self.issue = issue
        self.what = what
        self.renewMargin = renewMargin
        lease = SingleFlight(Lease(try issue(), receivedAt: MonotonicInstant.now(), margin: renewMargin))
    }

    /// The credential to use now.
    public func current() throws(RemoteError) -> Value {
        let now = MonotonicInstant.now()
        let current = lease.current
        if now < current.renewAt { return current.value }
        if now < current.endsAt {
            renewAhead()
            return current.value
        }
        return try lease.refresh(when: { now >= $0.endsAt }) { _ throws(RemoteError) in try fresh() }.value
    }

    /// The credential after the server refused `rejected`: a new one, or the current one
    /// when another caller renewed it already.
    public func renewed(after rejected: Value) throws(RemoteError) -> Value {
        try lease.refresh(when: { $0.value == rejected }) { _ throws(RemoteError) in try fresh() }.value
    }

    private func fresh() throws(RemoteError) -> Lease {
        Lease(try issue(), receivedAt: MonotonicInstant.now(), margin: renewMargin)
    }

    /// Starts a thread that renews the lease, unless one runs already. A failure keeps
    /// the current credential and tries again after a quarter of the time it has left
    /// (30 s at most), so that a broken issuer is not asked on every read.
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
                    Log.warning("renewing \(what) failed (\(error)); the current one stays in use for \(left.secondsText) more")
                    var postponed = old
                    postponed.renewAt = now.advanced(by: min(.seconds(30), left / 4))
                    return postponed
                }
            }
        }
    }
}

extension Expiring: TokenSource where Value == String {
    public func currentToken() throws(RemoteError) -> String { try current() }
}
