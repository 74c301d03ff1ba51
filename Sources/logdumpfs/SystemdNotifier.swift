import Foundation
import Glibc
import LogDump
import Synchronization

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram such as
/// "READY=1" to the unix socket in $NOTIFY_SOCKET, a path, or an abstract name when it
/// starts with '@'. Without the variable it does nothing.
final class SystemdNotifier: Sendable {
    private let socketPath: String?
    private let stopped = Atomic<Bool>(false)

    /// Takes NOTIFY_SOCKET from the environment, so that commands the mount runs (a
    /// token command) do not inherit it. Call it before any thread starts.
    static func fromEnvironment() -> SystemdNotifier {
        let path = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"]
        unsetenv("NOTIFY_SOCKET")
        return SystemdNotifier(socketPath: path?.isEmpty == false ? path : nil)
    }

    init(socketPath: String?) { self.socketPath = socketPath }

    func ready(mountpoint: String) { send("READY=1\nSTATUS=Mounted on \(mountpoint)") }
    /// Says STOPPING=1, once however often the mount's end is noticed.
    func stopping() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        send("STOPPING=1")
    }

    private func send(_ message: String) {
        guard let socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // an abstract name
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return Log.warning("NOTIFY_SOCKET is too long for a socket address") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        // An abstract name's length counts; a path ends at its NUL.
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (path.first == 0 ? 0 : 1)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return Log.warning("cannot tell systemd \(message.split(separator: "\n")[0]): socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                }
            }
        }
        if sent < 0 {
            Log.warning("cannot tell systemd \(message.split(separator: "\n")[0]): \(String(cString: strerror(errno)))")
        }
    }
}
