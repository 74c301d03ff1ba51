#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The daemon's log: one line per event on standard error. Never pass a token here.
/// Text from outside belongs in a message escaped (see LogText); as a last defence, each
/// message is kept to one line of at most `lineLimit` bytes whatever it holds.
public enum Log {
    public enum Level: Int, Sendable, Comparable {
        case debug, info, warning, error
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
        var label: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }
    }

    /// Bytes of a message beyond this are cut (with a marker saying how many).
    static let lineLimit = 8192

    /// Set once at start, before any thread logs.
    nonisolated(unsafe) public static var threshold: Level = .info

    /// Whether lines go to syslog(3) rather than standard error: a detached daemon's.
    private static let syslogging = Atomic<Bool>(false)

    /// From now on, sends every line to syslog (facility daemon, tag logdumpfs).
    public static func sendToSyslog() {
        openlog(strdup("logdumpfs"), LOG_PID, LOG_DAEMON)  // openlog keeps the pointer: never freed
        syslogging.store(true, ordering: .sequentiallyConsistent)
    }

    public static func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    public static func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public static func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    public static func error(_ message: @autoclosure () -> String) { write(.error, message) }

    private static func write(_ level: Level, _ message: () -> String) {
        guard level >= threshold else { return }
        if syslogging.load(ordering: .sequentiallyConsistent) {
            let priority = [LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR][level.rawValue]
            let line = "\(level.label): \(LogText.oneLine(message(), limit: lineLimit))"
            return line.withCString { text in withVaList([text]) { vsyslog(priority, "%s", $0) } }
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let stamp = "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2))"
            + ".\(pad(now.tv_nsec / 1_000_000, 3))Z"
        let line = "\(stamp) logdumpfs \(level.label): \(LogText.oneLine(message(), limit: lineLimit))\n"
        line.withCString { _ = Glibc.write(2, $0, strlen($0)) } // one write: lines don't interleave
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
