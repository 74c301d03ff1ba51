#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A clock far from the server's: signatures carry X-Sdk-Date, and the API gateway
/// refuses one more than 15 minutes off ("APIGW.0303 Incorrect app authentication
/// information: signature expired, signature time:20230527T000431Z,server
/// time:20230527T020608Z"), so no key helps until the clock is set right.
enum ClockSkew {
    /// Differences below this are not worth a warning: the gateway allows 15 minutes.
    static let tolerance: Int64 = 300

    /// Seconds the server's clock is ahead of this machine's (negative: behind) when
    /// `rejection` shows a skew of at least `tolerance`: the gateway's "signature time" and
    /// "server time" in its message, else the answer's Date header against `now`. Nil when
    /// it shows none.
    static func seconds(in rejection: Rejection, now: Date) -> Int64? {
        let skew: Int64?
        if case .http(_, _, let message?, _) = rejection.error,
           let signed = sdkTime(after: "signature time:", in: message),
           let server = sdkTime(after: "server time:", in: message) {
            skew = server - signed
        } else if let date = rejection.serverDate,
                  let server = HTTPDate.parse(Substring(date), now: Timestamp(seconds: Int64(now.timeIntervalSince1970))) {
            skew = server.seconds - Int64(now.timeIntervalSince1970.rounded(.down))
        } else {
            skew = nil
        }
        guard let skew, abs(skew) >= tolerance else { return nil }
        return skew
    }

    /// The one warning about a skew of `seconds`: how far, which way, what to do.
    static func warning(_ seconds: Int64) -> String {
        "this machine's clock is \(abs(seconds)) seconds \(seconds > 0 ? "behind" : "ahead of") the server's, "
            + "and signed requests more than 15 minutes off are refused: synchronise the clock "
            + "(NTP, e.g. chrony or systemd-timesyncd)"
    }

    /// The `YYYYMMDDTHHMMSSZ` time right after `label` in `text`, in seconds since the epoch.
    static func sdkTime(after label: String, in text: String) -> Int64? {
        guard let start = text.range(of: label)?.upperBound else { return nil }
        let field = Array(text[start...].drop { $0 == " " }.utf8.prefix(16))
        guard field.count == 16, field[8] == UInt8(ascii: "T"), field[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            let digits = field[range]
            guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
            return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
              (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year),
              hour < 24, minute < 60, second <= 60 else { return nil }
        let days = Int64(Timestamp.daysSinceEpoch(year: year, month: month, day: day))
        return days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
    }
}
