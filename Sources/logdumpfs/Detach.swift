import Foundation
import Glibc
import LogDump

/// Running as a daemon the way mount(8) expects of a helper: the process forks, the parent
/// waits until the child says the mount is live and exits 0 only then; a child that fails
/// before that has printed why on the same standard error, and the parent exits with its
/// status. Fork first thing, while the process has one thread: threads (Dispatch,
/// Foundation, libcurl's) do not survive a fork.
struct Detach {
    /// The child's end of the pipe the parent waits on.
    private let readiness: Int32

    /// Forks. Returns in the child, in a session of its own; the parent never returns.
    static func fork() throws(Preflight.Failure) -> Detach {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 1
        guard threads == 1 else { throw Preflight.Failure("cannot detach: \(threads) threads run already (a bug in logdumpfs)") }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw Preflight.Failure("cannot detach: pipe: \(String(cString: strerror(errno)))") }
        // Commands the mount runs (a token command) must not hold the parent's wait open.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let child = Glibc.fork()
        guard child >= 0 else { throw Preflight.Failure("cannot detach: fork: \(String(cString: strerror(errno)))") }
        if child > 0 {
            close(ends[1])
            waitForReadiness(of: child, on: ends[0])
        }
        close(ends[0])
        setsid()
        closeInheritedFiles(keeping: ends[1])
        // A parent gone (killed while it waited) must not take the mount with it when
        // the child says it is ready; nor may a log reader gone later.
        signal(SIGPIPE, SIG_IGN)
        return Detach(readiness: ends[1])
    }

    /// Closes what the child inherited beyond standard input, output and error: whoever
    /// started the parent may wait for a descriptor it gave to close (Foundation's Process
    /// does), and the parent exits long before the daemon.
    private static func closeInheritedFiles(keeping kept: Int32) {
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 && fd != kept { close(fd) }
    }

    /// In the parent: exits 0 when the child reports the mount live; else, once the
    /// child has exited, with its status.
    private static func waitForReadiness(of child: pid_t, on fd: Int32) -> Never {
        var byte: UInt8 = 0
        var count: Int
        repeat { count = read(fd, &byte, 1) } while count < 0 && errno == EINTR
        if count == 1 && byte == UInt8(ascii: "R") { Glibc.exit(0) }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 0
        let signal = status & 0x7f
        if signal != 0 {
            FileHandle.standardError.write(Data("Error: logdumpfs was killed by signal \(signal) before it mounted\n".utf8))
        }
        Glibc.exit(exitStatus == 0 ? 1 : exitStatus)
    }

    /// In the child, once the mount is live and the log has moved (LogDestination): leaves
    /// the terminal (standard input and output to /dev/null) and the working directory,
    /// then lets the parent exit 0.
    func mounted() {
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
            if null > 2 { close(null) }
        }
        chdir("/")
        var ready = UInt8(ascii: "R")
        _ = write(readiness, &ready, 1)
        close(readiness)
    }
}
