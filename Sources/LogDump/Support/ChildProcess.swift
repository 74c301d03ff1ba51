#if canImport(Glibc)
import Glibc
#endif

/// `/bin/sh -c COMMAND` run to completion under a time limit, its standard output and
/// error kept (up to a limit each; the rest is read and dropped, so the child never
/// blocks on a full pipe). The child gets /dev/null as input, no other descriptor of
/// ours, the default signal mask, and a process group of its own, which the time limit
/// kills whole. It is always reaped: no zombie.
struct ChildProcess {
    enum Ending: Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Still running at the time limit: killed (SIGKILL, its whole process group).
        case timedOut
    }

    struct Outcome {
        var ending: Ending
        var output: [UInt8]
        var errors: [UInt8]
        /// Standard output went past the limit: `output` holds its beginning only.
        var outputCut = false
    }

    /// Runs the command; fails only when it cannot be started (pipe or posix_spawn).
    static func run(shell command: String, timeLimit: Duration, outputLimit: Int = 64 << 10) -> Result<Outcome, Errno> {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard makePipe(&outPipe) else { return .failure(Errno(errno)) }
        guard makePipe(&errPipe) else {
            let error = Errno(errno)
            close(outPipe[0]); close(outPipe[1])
            return .failure(error)
        }
        let spawned = spawn(command, output: outPipe[1], errors: errPipe[1])
        close(outPipe[1])
        close(errPipe[1])
        let pid: pid_t
        switch spawned {
        case .success(let child): pid = child
        case .failure(let error):
            close(outPipe[0]); close(errPipe[0])
            return .failure(error)
        }
        let deadline = MonotonicInstant.now().advanced(by: timeLimit)
        var streams = [Stream(fd: outPipe[0], limit: outputLimit), Stream(fd: errPipe[0], limit: outputLimit)]
        let drained = drain(&streams, until: deadline)
        for stream in streams where stream.fd >= 0 { close(stream.fd) }
        let ending = drained ? reap(pid, until: deadline) : kill(pid)
        return .success(Outcome(ending: ending, output: streams[0].bytes, errors: streams[1].bytes,
                                outputCut: streams[0].cut))
    }

    /// posix_spawn of /bin/sh with the pipes as descriptors 1 and 2.
    private static func spawn(_ command: String, output: Int32, errors: Int32) -> Result<pid_t, Errno> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
        // Descriptors opened without O_CLOEXEC too (libfuse's, curl's): the child gets
        // none. One closed meanwhile is fine: glibc ignores EBADF for a close action.
        for name in Files.list("/proc/self/fd") {
            if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)    // the daemon blocks SIGINT/TERM/HUP
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), strdup("-c"), strdup(command), nil]
        defer { for arg in argv { free(arg) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        return result == 0 ? .success(pid) : .failure(Errno(result))
    }

    /// pipe(2), both ends close-on-exec (pipe2 is not visible to Swift here).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private struct Stream {
        var fd: Int32
        let limit: Int
        var bytes: [UInt8] = []
        var cut = false
    }

    /// Reads both pipes as data comes, until both end or the deadline passes; true when
    /// both ended.
    private static func drain(_ streams: inout [Stream], until deadline: MonotonicInstant) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while streams.contains(where: { $0.fd >= 0 }) {
            let now = MonotonicInstant.now()
            guard now < deadline else { return false }
            let wait = Int32(min(1000, (deadline.nanoseconds - now.nanoseconds) / 1_000_000 + 1))
            var polled = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polled, nfds_t(polled.count), wait)
            if ready < 0 && errno != EINTR { return false }
            for index in streams.indices where streams[index].fd >= 0 && polled[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(streams[index].fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    close(streams[index].fd)
                    streams[index].fd = -1
                    continue
                }
                let room = max(0, streams[index].limit - streams[index].bytes.count)
                streams[index].bytes.append(contentsOf: buffer[..<min(count, room)])
                if count > room { streams[index].cut = true }
            }
        }
        return true
    }

    /// Waits for the child to exit until the deadline, then kills it.
    private static func reap(_ pid: pid_t, until deadline: MonotonicInstant) -> Ending {
        var status: Int32 = 0
        while MonotonicInstant.now() < deadline {
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid { return ending(status) }
            if done < 0 && errno != EINTR { return .timedOut }  // not ours to wait for any more
            sleepFor(.milliseconds(5))
        }
        return kill(pid)
    }

    /// SIGKILL to the child's whole process group (what it started in the background
    /// too, which may hold the pipes open), then reaps the child.
    private static func kill(_ pid: pid_t) -> Ending {
        Glibc.kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return .timedOut
    }

    private static func ending(_ status: Int32) -> Ending {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }
}
