/// The `Retry-After` header (RFC 9110 §10.2.3): how long a throttled (429) or unavailable
/// (503) server asks us to wait. Lives in the core so every ExportSource reads it alike.
public enum RetryAfter {
    /// The longest wait taken from a server. Longer ones (and numbers too large to hold)
    /// are clamped to it rather than ignored: ignoring would retry at once a server that
    /// asked for a long pause, and a day is past any retry deadline anyway.
    public static let ceiling: Duration = .seconds(86_400)

    /// The wait a header value asks for: delta-seconds (`120`) or an HTTP-date in any of
    /// its three forms, relative to `now`. A date in the past is zero; anything else
    /// (empty, a sign, a fraction, words) is nil.
    public static func parse(_ value: some StringProtocol, now: Timestamp = .now()) -> Duration? {
        let text = Substring(value).trimmingWhitespace()
        guard !text.isEmpty else { return nil }
        if text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            // More than 9 digits is past the ceiling, and may not fit an Int.
            guard text.count <= 9, let seconds = Int(text) else { return ceiling }
            return min(.seconds(seconds), ceiling)
        }
        guard let date = HTTPDate.parse(text, now: now) else { return nil }
        let seconds = date.seconds - now.seconds
        let nanoseconds = Int64(date.nanoseconds) - Int64(now.nanoseconds)
        let wait = Duration.seconds(seconds) + .nanoseconds(nanoseconds)
        return min(max(wait, .zero), ceiling)
    }
}
