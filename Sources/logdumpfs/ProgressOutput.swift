import Foundation
import LogDump

/// The progress display on standard error, bars when it is a terminal, with a ticker
/// that advances the bars' elapsed times; calls from any thread.
final class ProgressOutput: @unchecked Sendable {
    private let lock = NSLock()
    private let display: ExportProgressDisplay
    private let style: ExportProgressDisplay.Style
    private var finished = false

    init(targets: [ExportTarget]) {
        style = isatty(STDERR_FILENO) == 1 ? .bars : .lines
        let size = Self.terminalSize()
        display = ExportProgressDisplay(targets: targets, style: style, maxLines: size.rows - 1, maxColumns: size.columns,
                                        wallClock: { Self.wallClock() },
                                        write: { FileHandle.standardError.write(Data($0.utf8)) })
    }

    func update(_ state: FollowedExport) {
        lock.withLock { if !finished { display.update(state, now: .now()) } }
    }

    /// Redraws the bars every second until `finish`.
    func startTicking() {
        guard style == .bars else { return }
        lock.withLock { display.tick(now: .now()) }
        Thread.detachNewThread { [self] in
            while lock.withLock({ !finished }) {
                sleepFor(.seconds(1))
                lock.withLock { if !finished { display.tick(now: .now()) } }
            }
        }
    }

    func finish(_ final: [FollowedExport]) {
        lock.withLock {
            display.finish(final, now: .now())
            finished = true
        }
    }

    /// Standard error's terminal's size (24 by 80 when it does not say).
    private static func terminalSize() -> (rows: Int, columns: Int) {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 2, size.ws_col > 20 else { return (24, 80) }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    private static func wallClock() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(seconds: Int64(now.tv_sec)).rfc3339
    }
}
