import LogDump
import XCTest

/// Retry-After values as servers write them, against a fixed "now".
final class RetryAfterTests: XCTestCase {
    /// Sun, 06 Nov 1994 08:49:00 GMT: 37 seconds before RFC 9110's example date.
    let now = Timestamp(seconds: 784_111_740)

    func testDeltaSeconds() {
        XCTAssertEqual(RetryAfter.parse("120", now: now), .seconds(120))
        XCTAssertEqual(RetryAfter.parse("0", now: now), .zero)
        XCTAssertEqual(RetryAfter.parse(" 5\r\n", now: now), .seconds(5))
    }

    func testIMFFixdate() {
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now), .seconds(37))
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 09:49:00 GMT", now: now), .seconds(3600))
    }

    func testRFC850Date() {
        XCTAssertEqual(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now), .seconds(37))
    }

    func testAsctimeDate() {
        XCTAssertEqual(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: now), .seconds(37))
        XCTAssertEqual(RetryAfter.parse("Sun Nov 06 08:49:37 1994", now: now), .seconds(37))
    }

    func testDatesInThePastAreZero() {
        XCTAssertEqual(RetryAfter.parse("Sun, 06 Nov 1994 08:48:59 GMT", now: now), .zero)
        XCTAssertEqual(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: now), .zero)
        XCTAssertEqual(RetryAfter.parse("Sun Nov  6 08:00:00 1994", now: now), .zero)
    }

    /// RFC 850's two-digit year: more than 50 years ahead of now means the past century.
    func testTwoDigitYearsArePlacedAroundNow() {
        let midsummer2026 = Timestamp(seconds: 1_782_864_000) // 2026-07-01
        XCTAssertEqual(RetryAfter.parse("Tuesday, 01-Jan-80 00:00:00 GMT", now: midsummer2026), .zero, "1980")
        XCTAssertEqual(RetryAfter.parse("Tuesday, 01-Jan-30 00:00:00 GMT", now: midsummer2026),
                       RetryAfter.ceiling, "2030")
        XCTAssertEqual(RetryAfter.parse("Thursday, 02-Jul-26 00:00:00 GMT", now: midsummer2026), .seconds(86_400))
    }

    func testGarbageIsNil() {
        for value in ["", "  ", "soon", "-5", "+5", "1.5", "5s", "0x10", "１２",
                      "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1994 08:49:37 GMT",
                      "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Nov 1994 24:00:00 GMT",
                      "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                      "Sun 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT",
                      "Sun Nov  6 08:49 1994", "2026-07-01T00:00:00Z"] {
            XCTAssertNil(RetryAfter.parse(value, now: now), "\"\(value)\"")
        }
    }

    /// A wait past any deadline is clamped, not dropped: dropping it would retry at once
    /// a server that asked for a long pause.
    func testHugeValuesAreClampedToTheCeiling() {
        XCTAssertEqual(RetryAfter.parse("86401", now: now), RetryAfter.ceiling)
        XCTAssertEqual(RetryAfter.parse("99999999999999999999999", now: now), RetryAfter.ceiling)
        XCTAssertEqual(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", now: now), RetryAfter.ceiling)
    }

    func testWallClockIsNow() {
        let date = Timestamp.now()
        XCTAssertGreaterThan(date.seconds, 1_700_000_000)
        XCTAssertEqual(RetryAfter.parse("30"), .seconds(30))
    }
}
