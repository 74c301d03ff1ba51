import XCTest
import LogDump

final class TimestampParsingTests: XCTestCase {
    func testAcceptedTimes() {
        let cases: [(String, Timestamp)] = [
            ("1970-01-01T00:00:00Z", .epoch),
            ("2026-11-01T08:00:00Z", Timestamp(seconds: 1_793_520_000)),
            ("2026-11-01t08:00:00z", Timestamp(seconds: 1_793_520_000)),
            ("2026-11-01T16:00:00+08:00", Timestamp(seconds: 1_793_520_000)),
            ("2026-11-01T02:30:00-05:30", Timestamp(seconds: 1_793_520_000)),
            ("2026-11-01T08:00:00.5Z", Timestamp(seconds: 1_793_520_000, nanoseconds: 500_000_000)),
            ("2026-11-01T08:00:00.123456789123Z", Timestamp(seconds: 1_793_520_000, nanoseconds: 123_456_789)),
            ("2024-02-29T00:00:00Z", Timestamp(seconds: 1_709_164_800)),
            ("2000-02-29T00:00:00Z", Timestamp(seconds: 951_782_400)),
            ("1969-12-31T23:59:59Z", Timestamp(seconds: -1)),
            ("2016-12-31T23:59:60Z", Timestamp(seconds: 1_483_228_800)),
        ]
        for (text, time) in cases {
            XCTAssertEqual(Timestamp.parseRFC3339(text), time, text)
        }
    }

    func testRejectedTimes() {
        let cases = [
            "", "yesterday", "2026-11-01", "2026-11-01T08:00:00", "2026-11-01 08:00:00Z",
            "2026-11-01T08:00Z", "2026-11-01T08:00:00.Z", "2026-11-01T08:00:00+0800",
            "2026-11-01T08:00:00+08", "2026-13-01T08:00:00Z", "2026-00-01T08:00:00Z",
            "2026-02-29T08:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T08:00:00Z",
            "2026-11-01T24:00:00Z", "2026-11-01T08:60:00Z", "2026-11-01T08:00:61Z",
            "2026-11-01T08:00:00+24:00", "2026-11-01T08:00:00Zjunk", "+2026-11-01T08:00:00Z",
            "2026-1-01T08:00:00Z", "２026-11-01T08:00:00Z", "2026-11-01T08:00:00 Z",
        ]
        for text in cases {
            XCTAssertNil(Timestamp.parseRFC3339(text), text)
        }
    }
}
