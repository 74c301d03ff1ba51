import Foundation
import LogDump
import LogDumpTestSupport
import XCTest

/// RetryingSource over the in-memory source: which failures are retried, how long it
/// keeps at it, and that cancellation ends it at once.
final class RetryingSourceTests: XCTestCase {
    let location = ReaderFixtures.location
    let bytes = ReaderFixtures.bytes(10_000)

    /// Waits of at most 10 ms, so that a test of several retries stays fast.
    func retrying(_ source: MemoryExportSource, deadline: Duration = .seconds(2),
                  random: @escaping @Sendable () -> Double = { 0.5 }) -> RetryingSource {
        let policy = RetryPolicy(deadline: deadline, baseDelay: .milliseconds(1), maxDelay: .milliseconds(10),
                                 random: random)
        return RetryingSource(wrapping: source, policy: policy, maxConcurrency: 8)
    }

    func http(_ status: Int, retryAfter: Duration? = nil) -> RemoteError {
        .http(status: status, code: "CDC.\(status)", message: "status \(status)", retryAfter: retryAfter)
    }

    func transferError(_ source: RetryingSource, _ request: TransferRequest, into sink: TransferSink) -> RemoteError? {
        do {
            try source.transfer(request, into: sink)
            return nil
        } catch {
            return error
        }
    }

    func testTransientFailuresAreRetriedToExactBytes() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(429), http(500), http(502), http(503), http(504),
                         .network("Connection reset by peer"), .timedOut("stalled")])
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: 100..<9_000), into: sink)
        XCTAssertEqual(sink.bytes, Array(bytes[100..<9_000]))
        XCTAssertEqual(sink.heads.count, 1)
        XCTAssertEqual(memory.requestCount, 8)
        XCTAssertEqual(Set(memory.requestedRanges), [100..<9_000], "nothing had arrived: the same request again")
    }

    /// A server that is down (connection refused) is retried until it is back.
    func testAServerThatIsDownIsRetriedUntilItIsBack() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext(Array(repeating: .network("Failed to connect: Connection refused"), count: 30))
        let sink = RecordingSink()
        try retrying(memory).transfer(TransferRequest(location: location, range: nil), into: sink)
        XCTAssertEqual(sink.bytes, bytes)
        XCTAssertEqual(memory.requestCount, 31)
    }

    func testAuthAndMissingExportsAreNotRetried() {
        for status in [401, 403, 404, 400] {
            let memory = ReaderFixtures.source(bytes)
            memory.failNext([http(status), http(status)])
            let error = transferError(retrying(memory), TransferRequest(location: location, range: 0..<10),
                                      into: RecordingSink())
            XCTAssertEqual(error?.status, status)
            XCTAssertEqual(memory.requestCount, 1, "\(status)")
        }
        let missing = MemoryExportSource()
        let error = transferError(retrying(missing), TransferRequest(location: location, range: nil), into: RecordingSink())
        XCTAssertEqual(error?.errno, .noEntry)
        XCTAssertEqual(missing.requestCount, 1)
    }

    func testTheDeadlineGivesTheLastErrorInTime() {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext(Array(repeating: http(503), count: 10_000))
        let started = ContinuousClock.now
        var error: RemoteError?
        let log = capturingStandardError {
            error = transferError(retrying(memory, deadline: .milliseconds(500)),
                                  TransferRequest(location: location, range: 0..<4096), into: RecordingSink())
        }
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(error, http(503))
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(450))
        XCTAssertLessThan(elapsed, .milliseconds(800))
        XCTAssertGreaterThan(memory.requestCount, 10, "retried all along")
        let warnings = log.split(separator: "\n").filter { $0.contains("warning") }
        XCTAssertEqual(warnings.count, 1, log)
        let line = warnings.first ?? ""
        for part in ["export e1", "bytes 0-4095", "\(memory.requestCount) attempt", "HTTP 503 CDC.503: status 503"] {
            XCTAssertTrue(line.contains(part), "\(part) in \(line)")
        }
    }

    /// A whole-transfer timeout (a size probe's) bounds the retries too.
    func testARequestTimeoutIsTheDeadline() {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext(Array(repeating: .network("Connection reset by peer"), count: 10_000))
        let started = ContinuousClock.now
        let error = transferError(retrying(memory, deadline: .seconds(30)),
                                  TransferRequest(location: location, range: 0..<1, timeout: .milliseconds(300)),
                                  into: RecordingSink())
        XCTAssertEqual(error, .network("Connection reset by peer"))
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(600))
    }

    func testRetryAfterIsWaited() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(429, retryAfter: .milliseconds(300))])
        let started = ContinuousClock.now
        try retrying(memory).transfer(TransferRequest(location: location, range: 0..<10), into: RecordingSink())
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300))
        XCTAssertEqual(memory.requestCount, 2)
    }

    func testRetryAfterPastTheDeadlineGivesUpAtOnce() {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(503, retryAfter: .seconds(120))])
        let started = ContinuousClock.now
        let error = transferError(retrying(memory, deadline: .seconds(1)),
                                  TransferRequest(location: location, range: 0..<10), into: RecordingSink())
        XCTAssertEqual(error?.retryAfter, .seconds(120))
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(200))
        XCTAssertEqual(memory.requestCount, 1)
    }

    func testCancellationDuringTheBackoffSleepReturnsAtOnce() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(503)])
        let slow = RetryingSource(wrapping: memory, policy: RetryPolicy(
            deadline: .seconds(30), baseDelay: .seconds(10), maxDelay: .seconds(10), random: { 0.99 }))
        let sink = RecordingSink()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { sink.cancel() }
        let started = ContinuousClock.now
        try slow.transfer(TransferRequest(location: location, range: 0..<10), into: sink)
        XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(300))
        XCTAssertEqual(memory.requestCount, 1)
        XCTAssertTrue(sink.bytes.isEmpty)
    }

    /// 429s make the endpoint's limiter halve; successes bring it back up.
    func testThrottlingLowersTheEndpointsLimit() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(429)])
        let source = retrying(memory)
        try source.transfer(TransferRequest(location: location, range: 0..<10), into: RecordingSink())
        XCTAssertEqual(source.limiter(for: location.endpoint).limit, 4.25, accuracy: 0.001, "8 / 2 + 1/4")
        XCTAssertEqual(source.limiter(for: location.endpoint).inFlight, 0)
    }

    func testSizeProbesAreRetried() throws {
        let memory = ReaderFixtures.source(bytes)
        memory.failNext([http(502)])
        XCTAssertEqual(try retrying(memory).probeSize(location, timeout: .seconds(1)), 10_000)
    }
}
