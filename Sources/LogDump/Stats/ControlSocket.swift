import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's control socket: a unix stream socket, mode 0600, that answers each
/// connection with one JSON snapshot of the statistics and closes it. It lives beside
/// the cache lock (`DIR/control.sock`), whose flock says which process owns the
/// directory: a socket found there at start is a crashed daemon's and is replaced.
/// It serves on a thread of its own, polling for stop every 200 ms; `stop` removes it.
public final class ControlSocket: @unchecked Sendable {
    public let path: String
    private let descriptor: Int32
    private let snapshot: @Sendable () -> String
    private let monitor = Monitor()
    private var stopping = false // guarded by monitor
    private var finished = false // guarded by monitor

    /// Why the socket could not be made.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Binds `path` (replacing a stale socket there, never anything else) and starts
    /// answering with `snapshot()`.
    public init(path: String, snapshot: @escaping @Sendable () -> String) throws(Failure) {
        var address = try Self.address(path)
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw Failure(description: "control socket \(path): something else is there; left as it is")
            }
            unlink(path) // a crashed daemon's: the cache lock we hold says none is alive
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "control socket: \(String(cString: strerror(errno)))") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            if bound == 0 { unlink(path) }
            throw Failure(description: "control socket \(path): \(reason)")
        }
        self.path = path
        self.descriptor = fd
        self.snapshot = snapshot
        let thread = Thread { [self] in serve() }
        thread.name = "logdumpfs-control"
        thread.start()
    }

    /// Stops answering, waits for the thread (a second at most) and removes the socket.
    public func stop() {
        monitor.withLock {
            stopping = true
            _ = monitor.wait(until: MonotonicInstant.now().advanced(by: .seconds(1))) { finished }
        }
        close(descriptor)
        unlink(path)
    }

    private func serve() {
        while !monitor.withLock({ stopping }) {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 200) > 0 else { continue }
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            Self.writeAll(client, Array((snapshot() + "\n").utf8))
            close(client)
        }
        monitor.withLock {
            finished = true
            monitor.broadcast()
        }
    }

    /// The socket address of `path`, which must fit in sun_path.
    private static func address(_ path: String) throws(Failure) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw Failure(description: "control socket \(path): the path is longer than a unix socket allows (\(capacity - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        return address
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// What the daemon at `path` says: one JSON snapshot. Throws one sentence when no
    /// daemon answers.
    public static func query(_ path: String, timeout seconds: Int = 5) throws(Failure) -> String {
        var address = try Self.address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot make a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw Failure(description: "the logdumpfs daemon's control socket \(path) refused the connection (\(String(cString: strerror(errno)))): is the daemon still running?")
        }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else {
                throw Failure(description: "the logdumpfs daemon did not answer on \(path) within \(seconds) s")
            }
            answer += buffer[..<n]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
