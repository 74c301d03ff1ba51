import Foundation
import Glibc
import LogDump

/// Where the log goes once the mount is live: `--log-file`, else, when detached,
/// journald (standard error already is its stream under systemd) or syslog. Until then it
/// stays on standard error, where whoever started the mount sees why it failed.
struct LogDestination {
    /// The log file, opened (appending) before mounting so that a bad path stops the mount.
    private var file: Int32?
    private var syslog = false

    init(logFile: String?, detached: Bool) throws(Preflight.Failure) {
        if let logFile {
            let fd = open(logFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard fd >= 0 else {
                throw Preflight.Failure("--log-file \(logFile.escapedForLog()): \(String(cString: strerror(errno)))")
            }
            file = fd
        } else if detached && !Self.standardErrorIsJournal() {
            syslog = true
        }
    }

    /// Sends standard error (the log) where it belongs from now on.
    func takeOver() {
        if let file {
            dup2(file, 2)
        } else if syslog {
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, 2); close(null) }
            Log.sendToSyslog()
        }
    }

    /// Whether standard error is journald's stream: systemd sets JOURNAL_STREAM to its
    /// "device:inode".
    private static func standardErrorIsJournal() -> Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return stream == "\(info.st_dev):\(info.st_ino)"
    }
}
