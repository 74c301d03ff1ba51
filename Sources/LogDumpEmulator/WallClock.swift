#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in microseconds since the Unix epoch: token expiry is a date the
/// client reads (`expires_at`), so it is kept on the clock that date is on.
struct WallClock: Sendable, Comparable {
    var microseconds: Int64

    static func now() -> WallClock {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallClock(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }

    func adding(seconds: Int) -> WallClock {
        WallClock(microseconds: microseconds + Int64(seconds) * 1_000_000)
    }

    /// Huawei IAM's form: RFC 3339 in UTC with microseconds, `2026-11-29T10:00:00.000000Z`.
    var iamTimestamp: String {
        let seconds = Int(microseconds / 1_000_000), micros = Int(microseconds % 1_000_000)
        let fraction = String(micros)
        return formatUTC(seconds, "%Y-%m-%dT%H:%M:%S") + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }

    static func < (a: WallClock, b: WallClock) -> Bool { a.microseconds < b.microseconds }
}

extension WallClock {
    /// `X-Sdk-Date`'s form, `20261203T120000Z`; nil for anything else.
    init?(sdkDate text: String) {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z"),
              (digits[0..<8] + digits[9..<15]).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let number = { (from: Int, count: Int) in Int32(String(decoding: digits[from..<from + count], as: UTF8.self))! }
        var parts = tm()
        (parts.tm_year, parts.tm_mon, parts.tm_mday) = (number(0, 4) - 1900, number(4, 2) - 1, number(6, 2))
        (parts.tm_hour, parts.tm_min, parts.tm_sec) = (number(9, 2), number(11, 2), number(13, 2))
        guard (0...11).contains(parts.tm_mon), (1...31).contains(parts.tm_mday), parts.tm_hour < 24,
              parts.tm_min < 60, parts.tm_sec < 61
        else { return nil }
        microseconds = Int64(timegm(&parts)) * 1_000_000
    }

    var sdkDate: String { formatUTC(Int(microseconds / 1_000_000), "%Y%m%dT%H%M%SZ") }

    /// The `Date` header's form (RFC 9110 IMF-fixdate).
    var httpDate: String { formatUTC(Int(microseconds / 1_000_000), "%a, %d %b %Y %H:%M:%S GMT") }
}
