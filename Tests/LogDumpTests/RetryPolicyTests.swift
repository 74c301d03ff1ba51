import LogDump
import XCTest

/// Which errors are retried, and how long the waits between attempts are.
final class RetryPolicyTests: XCTestCase {
    func testCeilingDoublesFromBaseUpToTheCap() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(5))
        let ceilings = (0..<8).map { policy.backoffCeiling(attempt: $0) }
        XCTAssertEqual(ceilings, [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                                  .milliseconds(1600), .milliseconds(3200), .seconds(5), .seconds(5)])
        XCTAssertEqual(policy.backoffCeiling(attempt: 10_000), .seconds(5), "no overflow")
    }

    /// Full jitter: anywhere in [0, ceiling), not bunched near it.
    func testSeededJitterSpansZeroToTheCeiling() {
        let random = SeededRandom(seed: 42)
        let policy = RetryPolicy(random: random.next)
        let error = RemoteError.http(status: 503, code: nil, message: nil)
        for attempt in [0, 3, 9] {
            let ceiling = policy.backoffCeiling(attempt: attempt)
            let waits = (0..<500).map { _ in policy.delay(after: error, attempt: attempt, remaining: .seconds(60))! }
            XCTAssertTrue(waits.allSatisfy { $0 >= .zero && $0 < ceiling }, "attempt \(attempt)")
            XCTAssertLessThan(waits.min()!, ceiling / 10, "attempt \(attempt)")
            XCTAssertGreaterThan(waits.max()!, ceiling * 9 / 10, "attempt \(attempt)")
        }
    }

    func testJitterIsTheRandomFractionOfTheCeiling() {
        let half = RetryPolicy(random: { 0.5 })
        let error = RemoteError.network("connection reset")
        XCTAssertEqual(half.delay(after: error, attempt: 2, remaining: .seconds(60)), .milliseconds(200))
        XCTAssertEqual(RetryPolicy(random: { 0 }).delay(after: error, attempt: 5, remaining: .seconds(60)), .zero)
    }

    /// Never past the deadline: a server that is down is tried until the very end.
    func testJitterStaysWithinWhatRemains() {
        let policy = RetryPolicy(random: { 0.999 })
        let wait = policy.delay(after: .timedOut("stalled"), attempt: 10, remaining: .milliseconds(300))
        XCTAssertNotNil(wait)
        XCTAssertLessThan(wait!, .milliseconds(300))
        XCTAssertNil(policy.delay(after: .timedOut("stalled"), attempt: 0, remaining: .zero))
    }

    func testRetryAfterIsAtLeastWaited() {
        let policy = RetryPolicy(random: { 0.1 })
        let throttled = RemoteError.http(status: 429, code: nil, message: nil, retryAfter: .seconds(2))
        XCTAssertEqual(policy.delay(after: throttled, attempt: 0, remaining: .seconds(60)), .seconds(2))
        let short = RemoteError.http(status: 503, code: nil, message: nil, retryAfter: .milliseconds(1))
        XCTAssertEqual(policy.delay(after: short, attempt: 6, remaining: .seconds(60)), .milliseconds(500))
    }

    func testRetryAfterPastTheDeadlineGivesUpNow() {
        let policy = RetryPolicy()
        let throttled = RemoteError.http(status: 429, code: nil, message: nil, retryAfter: .seconds(61))
        XCTAssertNil(policy.delay(after: throttled, attempt: 0, remaining: .seconds(60)))
    }

    func testWhatIsRetried() {
        let policy = RetryPolicy()
        func http(_ status: Int) -> RemoteError { .http(status: status, code: nil, message: nil) }
        let retried: [RemoteError] = [http(429), http(500), http(502), http(503), http(504),
                                      .network("Connection reset by peer"), .network("Could not resolve host"),
                                      .network("Connection refused"), .timedOut("stalled"),
                                      .bodyEndedEarly(received: 10, promised: 20), .bodyEndedEarly(received: 10, promised: nil)]
        let final: [RemoteError] = [http(400), http(401), http(403), http(404), http(416), http(501),
                                    .badResponse("asked for bytes from 10, got 0"), .exportChanged("etag")]
        for error in retried { XCTAssertTrue(policy.isRetryable(error), "\(error)") }
        for error in final { XCTAssertFalse(policy.isRetryable(error), "\(error)") }
        for error in final { XCTAssertNil(policy.delay(after: error, attempt: 0, remaining: .seconds(60)), "\(error)") }
    }

    func testNewErrorsKeepTheErrnoMapping() {
        XCTAssertEqual(RemoteError.http(status: 401, code: nil, message: nil, retryAfter: .seconds(1)).errno, .accessDenied)
        XCTAssertEqual(RemoteError.http(status: 404, code: nil, message: nil).errno, .noEntry)
        XCTAssertEqual(RemoteError.http(status: 429, code: nil, message: nil, retryAfter: .seconds(1)).errno, .io)
        XCTAssertEqual(RemoteError.bodyEndedEarly(received: 1, promised: 2).errno, .io)
        XCTAssertEqual(RemoteError.exportChanged("etag").errno, .stale)
    }

    func testDescriptionsSayWhatTheServerSaid() {
        let error = RemoteError.http(status: 503, code: "CDC.0503", message: "busy", retryAfter: .milliseconds(1500))
        XCTAssertEqual(error.description, "HTTP 503 CDC.0503: busy (retry after 1.5 s)")
        XCTAssertEqual(RemoteError.bodyEndedEarly(received: 10, promised: 20).description,
                       "body ended early, after 10 of 20 bytes")
    }
}
