import Foundation
import LogDump
import Synchronization

/// AK/SK a test hands out: fixed keys, and the ones each renewal after a 401 moves on
/// to (none left: the provider has nothing newer). Counts what it is asked.
public final class TestKeyProvider: AccessKeyProvider {
    private struct State {
        var current: AccessKeys
        var renewals: [AccessKeys]
        var renewalRequests = 0
    }
    private let state: Mutex<State>

    public init(_ keys: AccessKeys, renewals: [AccessKeys] = []) {
        state = Mutex(State(current: keys, renewals: renewals))
    }

    public var origin: String { "the test's keys" }

    /// How often a renewal was asked for.
    public var renewalRequests: Int { state.withLock { $0.renewalRequests } }

    public func currentKeys() throws(RemoteError) -> AccessKeys { state.withLock { $0.current } }

    public func renewed(after rejected: AccessKeys) throws(RemoteError) -> AccessKeys? {
        state.withLock { state in
            state.renewalRequests += 1
            if state.current != rejected { return state.current }
            guard !state.renewals.isEmpty else { return nil }
            state.current = state.renewals.removeFirst()
            return state.current
        }
    }
}

/// A wall clock for signatures that moves one second on every reading, from `start`:
/// each signature made with it has an X-Sdk-Date of its own.
public final class SteppingClock: Sendable {
    private let next: Mutex<Date>

    public init(start: Date) { next = Mutex(start) }

    public func now() -> Date {
        next.withLock { date in
            defer { date += 1 }
            return date
        }
    }
}
