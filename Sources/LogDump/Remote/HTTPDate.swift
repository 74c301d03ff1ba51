#if canImport(Glibc)
import Glibc
#endif

/// HTTP-date (RFC 9110 §5.6.7) in the three forms a recipient must accept:
///
///     Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate, what servers send today
///     Sunday, 06-Nov-94 08:49:37 GMT   RFC 850, two-digit year
///     Sun Nov  6 08:49:37 1994         asctime
///
/// Hand-written (no Foundation): Retry-After is parsed on fetch threads, per answer.
enum HTTPDate {
    /// Seconds since the epoch, or nil for anything that is not one of the three forms.
    /// `now` places an RFC 850 two-digit year: one more than 50 years ahead is in the past
    /// century, as RFC 9110 asks.
    static func parse(_ text: Substring, now: Timestamp) -> Timestamp? {
        let fields = text.split(separator: " ")
        switch fields.count {
        case 6: // IMF-fixdate: day-name "," day month year time "GMT"
            guard fields[0].hasSuffix(","), isDayName(fields[0].dropLast()), isGMT(fields[5]),
                  fields[1].count == 2, fields[3].count == 4 else { return nil }
            return timestamp(year: number(fields[3]), month: month(fields[2]), day: number(fields[1]),
                             time: fields[4])
        case 4: // RFC 850: day-name "," dd-Mon-yy time "GMT"
            guard fields[0].hasSuffix(","), isDayName(fields[0].dropLast()), isGMT(fields[3]) else { return nil }
            let date = fields[1].split(separator: "-", omittingEmptySubsequences: false)
            guard date.count == 3, date[0].count == 2, date[2].count == 2, let yy = number(date[2]) else { return nil }
            return timestamp(year: fullYear(yy, now: now), month: month(date[1]), day: number(date[0]),
                             time: fields[2])
        case 5: // asctime: day-name month day time year (the day padded with a space)
            guard isDayName(fields[0]), fields[2].count <= 2, fields[4].count == 4 else { return nil }
            return timestamp(year: number(fields[4]), month: month(fields[1]), day: number(fields[2]),
                             time: fields[3])
        default:
            return nil
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// The weekday is checked for form only: it adds nothing to the date.
    private static func isDayName(_ name: Substring) -> Bool {
        days.contains { $0 == name } || longDays.contains { $0 == name }
    }

    private static func isGMT(_ zone: Substring) -> Bool { zone == "GMT" || zone == "UTC" }

    private static func month(_ name: Substring) -> Int? {
        months.firstIndex { $0 == name }.map { $0 + 1 }
    }

    /// Decimal digits only: no sign, no spaces.
    private static func number(_ digits: Substring) -> Int? {
        guard !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    private static func fullYear(_ yy: Int, now: Timestamp) -> Int {
        let today = Int(now.seconds / 86_400)
        var thisYear = 1970 + Int(now.seconds / 31_556_952) // mean Gregorian year: at most one off
        if Timestamp.daysSinceEpoch(year: thisYear, month: 1, day: 1) > today { thisYear -= 1 }
        if Timestamp.daysSinceEpoch(year: thisYear + 1, month: 1, day: 1) <= today { thisYear += 1 }
        var year = thisYear - thisYear % 100 + yy
        if year > thisYear + 50 { year -= 100 }
        return year
    }

    /// `HH:MM:SS` on a valid date, in UTC. A leap second (:60) counts as the next second.
    private static func timestamp(year: Int?, month: Int?, day: Int?, time: Substring) -> Timestamp? {
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard let year, let month, let day, parts.count == 3, parts.allSatisfy({ $0.count == 2 }),
              let hour = number(parts[0]), let minute = number(parts[1]), let second = number(parts[2]),
              day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let days = Timestamp.daysSinceEpoch(year: year, month: month, day: day)
        return Timestamp(seconds: Int64(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }
}

extension Timestamp {
    /// The wall clock (CLOCK_REALTIME), to the second: what an HTTP date is compared with.
    public static func now() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(seconds: Int64(now.tv_sec), nanoseconds: Int32(now.tv_nsec))
    }
}
