import Foundation
import LogDump
import Synchronization
import XCTest

/// The per-endpoint throttle: halve on 429 (once per window), add one per round of
/// successes, never below 1 or above the maximum; never more in flight than the limit.
final class ConcurrencyLimiterTests: XCTestCase {
    let clock = ManualClock()

    func limiter(max: Int) -> ConcurrencyLimiter {
        let clock = clock
        return ConcurrencyLimiter(maxConcurrency: max, decreaseWindow: .seconds(1), clock: { clock.now })
    }

    func run(_ limiter: ConcurrencyLimiter, _ outcome: ConcurrencyLimiter.Outcome, times: Int = 1) {
        for _ in 0..<times {
            let permit = limiter.acquire(until: .now().advanced(by: .seconds(1)))
            XCTAssertNotNil(permit)
            permit?.release(outcome)
        }
    }

    func testStartsAtTheMaximum() {
        XCTAssertEqual(limiter(max: 8).limit, 8)
    }

    func testA429BurstHalvesOncePerWindow() {
        let limiter = limiter(max: 8)
        run(limiter, .throttled, times: 5)
        XCTAssertEqual(limiter.limit, 4, "five 429s from one moment are one signal")
        clock.advance(by: .milliseconds(900))
        run(limiter, .throttled)
        XCTAssertEqual(limiter.limit, 4, "still the same window")
        clock.advance(by: .milliseconds(100))
        run(limiter, .throttled)
        XCTAssertEqual(limiter.limit, 2)
    }

    func testNeverBelowOne() {
        let limiter = limiter(max: 8)
        for _ in 0..<10 {
            run(limiter, .throttled)
            clock.advance(by: .seconds(2))
        }
        XCTAssertEqual(limiter.limit, 1)
        let permit = limiter.acquire(until: .now())
        XCTAssertNotNil(permit, "one transfer always goes")
        permit?.release(.failed)
    }

    func testSuccessesAddAboutOnePerRound() {
        let limiter = limiter(max: 8)
        run(limiter, .throttled)
        clock.advance(by: .seconds(2))
        run(limiter, .throttled)
        XCTAssertEqual(limiter.limit, 2)
        run(limiter, .succeeded, times: 2)
        XCTAssertEqual(limiter.limit, 2.9, accuracy: 0.01, "2 + 1/2 + 1/2.5")
        run(limiter, .failed, times: 10)
        XCTAssertEqual(limiter.limit, 2.9, accuracy: 0.01, "other failures say nothing about load")
        run(limiter, .succeeded, times: 100)
        XCTAssertEqual(limiter.limit, 8, "capped at the maximum")
    }

    func testAcquireWaitsForTheDeadlineOrCancellation() {
        let limiter = limiter(max: 1)
        let held = limiter.acquire(until: .now())
        XCTAssertNotNil(held)
        var started = ContinuousClock.now
        XCTAssertNil(limiter.acquire(until: .now().advanced(by: .milliseconds(150))))
        var waited = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(140))
        XCTAssertLessThan(waited, .milliseconds(600))

        started = ContinuousClock.now
        XCTAssertNil(limiter.acquire(until: .now().advanced(by: .seconds(10)), isCancelled: {
            ContinuousClock.now - started > .milliseconds(100)
        }))
        waited = ContinuousClock.now - started
        XCTAssertLessThan(waited, .milliseconds(400))
        held?.release(.succeeded)
        XCTAssertEqual(limiter.inFlight, 0)
    }

    func testAReleaseWakesAWaiter() throws {
        let limiter = limiter(max: 1)
        let held = limiter.acquire(until: .now())
        let got = expectation(description: "second permit")
        Thread.detachNewThread {
            let permit = limiter.acquire(until: .now().advanced(by: .seconds(5)))
            if permit != nil { got.fulfill() }
            permit?.release(.succeeded)
        }
        Thread.sleep(forTimeInterval: 0.05)
        held?.release(.succeeded)
        wait(for: [got], timeout: 2)
    }

    /// Eight threads hammer a limiter halved to 2: never more than 2 run at once.
    func testInFlightNeverExceedsTheLimit() {
        let limiter = limiter(max: 4)
        run(limiter, .throttled)
        XCTAssertEqual(limiter.limit, 2)
        let running = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let refused = Atomic<Int>(0)
        let done = DispatchGroup()
        // Threads of their own: concurrentPerform would run only as many as there are cores.
        for _ in 0..<8 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                for _ in 0..<25 {
                    guard let permit = limiter.acquire(until: .now().advanced(by: .seconds(5))) else {
                        refused.add(1, ordering: .relaxed)
                        continue
                    }
                    let now = running.add(1, ordering: .sequentiallyConsistent).newValue
                    most.max(now, ordering: .sequentiallyConsistent)
                    usleep(500)
                    running.subtract(1, ordering: .sequentiallyConsistent)
                    permit.release(.failed)
                }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(refused.load(ordering: .relaxed), 0)
        XCTAssertEqual(most.load(ordering: .relaxed), 2)
        XCTAssertEqual(limiter.inFlight, 0)
    }
}
