import ArgumentParser
import Foundation
import Glibc
import LogDump

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what a running mount is doing: bytes served, requests, transfers, cache.",
        discussion: """
        Asks the daemon mounted on MOUNTPOINT through its control socket (a unix socket,
        mode 0600, beside the cache lock), found through the record the daemon keeps in
        /run/logdumpfs (root) or $XDG_RUNTIME_DIR/logdumpfs while it is mounted.
        """
    )

    @Argument(help: "Where a logdumpfs mount is mounted.")
    var mountpoint: String

    @Flag(help: "Print the figures as one JSON object per refresh, for scripts.")
    var json = false

    @Flag(help: "Refresh once a second until interrupted (Ctrl-C).")
    var watch = false

    func run() throws {
        let record: MountRecord
        do { record = try MountRecord.find(mountpoint: mountpoint, in: MountRecord.runDirectory()) } catch {
            throw Preflight.Failure(error.description)
        }
        let redraw = watch && !json && isatty(STDOUT_FILENO) == 1
        while true {
            let answer: String
            do { answer = try ControlSocket.query(record.socket) } catch { throw Preflight.Failure(error.description) }
            var output = answer.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            if !json {
                guard let snapshot = try? StatisticsSnapshot.parse(answer) else {
                    throw Preflight.Failure("the daemon on \(mountpoint) answered with something other than its statistics")
                }
                output = (redraw ? "\u{1B}[H\u{1B}[2J" : "") + snapshot.text() + (watch && !redraw ? "\n\n" : "\n")
            }
            FileHandle.standardOutput.write(Data(output.utf8))
            guard watch else { return }
            sleep(1)
        }
    }
}
