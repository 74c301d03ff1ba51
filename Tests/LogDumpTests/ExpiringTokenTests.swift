import Foundation
@testable import LogDump
import Synchronization
import XCTest

/// Renewal ahead of expiry, after a 401, and what happens while the issuer fails.
final class ExpiringTokenTests: TokenTestCase {
    /// Issues tok-1, tok-2, ... of a given lifetime, or fails while `failing` is set.
    final class Issuer: Sendable {
        private let state = Mutex((issued: 0, failing: false))
        let lifetime: Duration
        let delay: Duration
        init(lifetime: Duration, delay: Duration = .zero) {
            self.lifetime = lifetime
            self.delay = delay
        }

        var issued: Int { state.withLock { $0.issued } }
        func setFailing(_ on: Bool) { state.withLock { $0.failing = on } }

        func issue() throws(RemoteError) -> IssuedToken {
            sleepFor(delay)
            let (count, failing) = state.withLock { state in
                if !state.failing { state.issued += 1 }
                return (state.issued, state.failing)
            }
            if failing { throw .http(status: 401, code: "IAM.0001", message: "The username or password is wrong.") }
            return IssuedToken(value: "tok-\(count)", lifetime: lifetime)
        }
    }

    func testRenewsAheadOfExpiryWhileReadsGoOn() throws {
        let issuer = Issuer(lifetime: .seconds(2))  // renewed when 0.4 s remain
        let started = ContinuousClock.now
        let source = try ExpiringToken(issue: issuer.issue)
        XCTAssertEqual(try source.currentToken(), "tok-1")
        usleep(1_000_000)
        XCTAssertEqual(try source.currentToken(), "tok-1", "renewed too early")
        XCTAssertEqual(issuer.issued, 1)
        XCTAssertNotNil(try waitFor(.seconds(3)) { try source.currentToken() == "tok-2" })
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "not renewed before the token ended")
        XCTAssertEqual(issuer.issued, 2)
    }

    func testFailingRenewalKeepsTheTokenUntilItEnds() throws {
        let issuer = Issuer(lifetime: .seconds(2))
        let started = ContinuousClock.now
        let source = try ExpiringToken(issue: issuer.issue)
        issuer.setFailing(true)
        while ContinuousClock.now - started < .milliseconds(1900) {
            XCTAssertEqual(try source.currentToken(), "tok-1")
            usleep(20_000)
        }
        usleep(200_000)
        guard case .http(401, _, _, _)? = remoteError({ () throws(RemoteError) in try source.currentToken() }) else {
            return XCTFail("an ended token was still handed out")
        }
        issuer.setFailing(false)
        XCTAssertEqual(try source.currentToken(), "tok-2")
    }

    func testConcurrent401sRenewOnce() throws {
        let issuer = Issuer(lifetime: .seconds(3600), delay: .milliseconds(300))
        let source = try ExpiringToken(issue: issuer.issue)
        let tokens = concurrently(8) { (try? source.renewed(after: "tok-1")) ?? "failed" }
        XCTAssertEqual(tokens, Array(repeating: "tok-2", count: 8))
        XCTAssertEqual(issuer.issued, 2)
        XCTAssertEqual(try source.renewed(after: "tok-1"), "tok-2", "an old rejection renews nothing")
        XCTAssertEqual(issuer.issued, 2)
    }

    func testFirstFailureIsTheError() {
        let issuer = Issuer(lifetime: .seconds(60))
        issuer.setFailing(true)
        let error = remoteError { () throws(RemoteError) in try ExpiringToken(issue: issuer.issue) }
        XCTAssertEqual(error?.errno, .accessDenied)
    }
}
