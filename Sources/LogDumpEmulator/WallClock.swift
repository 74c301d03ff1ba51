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
