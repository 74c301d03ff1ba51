/// Shows how a run of exports is going, as text handed to `write`. Two styles:
/// - `.bars`, for a terminal: one line per server (name, bar, percentage, state,
///   elapsed time), all redrawn in place (cursor up, clear line) on each change and
///   tick; the last drawing stays on screen. With more servers than `maxLines`, the
///   running ones come first and one last line counts the rest.
/// - `.lines`, for logs and CI: one timestamped line per server whenever its export
///   changes (requested, percentage, status, outcome).
///
/// Not thread-safe: callers serialize its calls.
public final class ExportProgressDisplay {
    public enum Style: Sendable { case bars, lines }

    private let style: Style
    private let write: (String) -> Void
    private let wallClock: () -> String
    private var states: [FollowedExport]
    private var drawn = 0
    private let labelWidth: Int
    private let maxLines: Int
    private let maxColumns: Int

    /// `wallClock` gives the time stamp of a plain line (e.g. `Timestamp.rfc3339` of now);
    /// `maxLines` and `maxColumns` bound the bars (a redraw cannot move above the screen's
    /// top, and a line that wraps takes two).
    public init(targets: [ExportTarget], style: Style, maxLines: Int = .max, maxColumns: Int = .max,
                wallClock: @escaping () -> String, write: @escaping (String) -> Void) {
        self.style = style
        self.maxLines = max(2, maxLines)
        self.maxColumns = max(20, maxColumns)
        self.write = write
        self.wallClock = wallClock
        states = targets.map(FollowedExport.init)
        labelWidth = min(40, targets.map { Self.shortLabel($0).count }.max() ?? 0)
    }

    /// Takes a changed state: `.bars` redraws, `.lines` prints a line if something a
    /// reader cares about changed.
    public func update(_ state: FollowedExport, now: MonotonicInstant) {
        record(state)
        if style == .bars { redraw(now: now) }
    }

    /// Keeps the state; `.lines` prints it if something a reader cares about changed.
    private func record(_ state: FollowedExport) {
        guard let index = states.firstIndex(where: { $0.target == state.target }) else { return }
        let before = states[index]
        states[index] = state
        if style == .lines && Self.lineWorthy(before, state) { write("\(wallClock()) \(line(for: state))\n") }
    }

    /// Redraws the bars so elapsed times advance; nothing in `.lines`.
    public func tick(now: MonotonicInstant) {
        if style == .bars { redraw(now: now) }
    }

    /// Takes the final states and draws them (the bars' last drawing stays).
    public func finish(_ final: [FollowedExport], now: MonotonicInstant) {
        for state in final { record(state) }
        if style == .bars { redraw(now: now) }
    }

    private func redraw(now: MonotonicInstant) {
        var lines: [String]
        if states.count <= maxLines {
            lines = states.map { bar(for: $0, now: now) }
        } else {
            // Running first, then those that ended badly, completed, waiting; in order.
            func rank(_ state: FollowedExport) -> Int {
                switch state.outcome {
                case .running: 0
                case .failed, .timedOut, .interrupted: 1
                case .completed: 2
                case .waiting: 3
                }
            }
            let shown = states.indices.sorted { (rank(states[$0]), $0) < (rank(states[$1]), $1) }
                .prefix(maxLines - 1).sorted()
            lines = shown.map { bar(for: states[$0], now: now) }
            var rest: [String: Int] = [:]
            for index in Set(states.indices).subtracting(shown) { rest[Self.describe(states[index]), default: 0] += 1 }
            lines.append("+ \(states.count - shown.count) more: "
                         + rest.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        var text = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
        for line in lines { text += "\r\u{1B}[2K" + Self.cut(line, to: maxColumns - 1) + "\n" }
        drawn = lines.count
        write(text)
    }

    /// `web-01   [##########----------]  50%  running  0:07`
    func bar(for state: FollowedExport, now: MonotonicInstant) -> String {
        let width = 20
        let percent = state.outcome == .completed ? 100 : min(100, max(0, state.progress?.percentage ?? 0))
        let filled = percent * width / 100
        let label = Self.cut(Self.shortLabel(state.target), to: labelWidth)
        return label + String(repeating: " ", count: max(0, labelWidth - label.count))
            + "  [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(percent).leftPadded(to: 3) + "%  " + Self.describe(state) + "  "
            + Self.clock(state.elapsed(at: now))
    }

    /// `web-01: export exp-7 running, 50% (processing)`
    func line(for state: FollowedExport) -> String {
        var text = Self.label(state.target) + ":"
        if let id = state.exportID { text += " export \(id.escapedForLog())" }
        text += " " + Self.describe(state)
        if case .running = state.outcome, state.progress?.phase == .running {
            if let percent = state.progress?.percentage { text += ", \(percent)%" }
            if let status = state.progress?.status { text += " (\(status.escapedForLog()))" }
        }
        if case .failed(let message) = state.outcome { text += ": \(message.escapedForLog())" }
        return text
    }

    /// The end of a run: one line per server by outcome, then the counts.
    public static func summary(_ final: [FollowedExport]) -> String {
        var text = ""
        var counts: [String: Int] = [:]
        for state in final {
            let word = describe(state)
            counts[word, default: 0] += 1
            text += "\(word): \(label(state.target))"
            if let id = state.exportID { text += ", export \(id.escapedForLog())" }
            if case .failed(let message) = state.outcome { text += ": \(message.escapedForLog())" }
            if case .timedOut = state.outcome, let percent = state.progress?.percentage { text += " (at \(percent)%)" }
            text += "\n"
        }
        let order = ["completed", "failed", "timed out", "interrupted"]
        return text + order.map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", ") + "\n"
    }

    private static func lineWorthy(_ before: FollowedExport, _ after: FollowedExport) -> Bool {
        before.outcome != after.outcome || before.exportID != after.exportID
            || before.progress?.percentage != after.progress?.percentage || before.progress?.status != after.progress?.status
    }

    private static func describe(_ state: FollowedExport) -> String {
        switch state.outcome {
        case .waiting: "waiting"
        case .running:
            switch state.progress?.phase {
            case nil: "requesting"
            case .completed?: "adding to the manifest"
            default: "running"
            }
        case .completed: "completed"
        case .failed: "failed"
        case .timedOut: "timed out"
        case .interrupted: "interrupted"
        }
    }

    /// The server's name and ID, or its ID.
    static func label(_ target: ExportTarget) -> String {
        guard let name = target.serverName, !name.isEmpty else { return target.serverID.escapedForLog() }
        return "\(name.escapedForLog()) (\(target.serverID.escapedForLog()))"
    }

    /// The server's name, or its ID: what a bar has room for.
    static func shortLabel(_ target: ExportTarget) -> String {
        guard let name = target.serverName, !name.isEmpty else { return target.serverID.escapedForLog() }
        return name.escapedForLog()
    }

    private static func cut(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// `0:07`, `12:30`, `1:02:03`.
    static func clock(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        let minutes = String(seconds / 60 % 60), second = String(seconds % 60).leftPadded(to: 2, with: "0")
        if seconds >= 3600 { return "\(seconds / 3600):\(minutes.leftPadded(to: 2, with: "0")):\(second)" }
        return "\(minutes):\(second)"
    }
}

private extension String {
    func leftPadded(to width: Int, with pad: Character = " ") -> String {
        String(repeating: pad, count: max(0, width - count)) + self
    }
}
