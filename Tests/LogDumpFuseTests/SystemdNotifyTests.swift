import Foundation
import Glibc
import XCTest

/// Type=notify: READY=1 reaches $NOTIFY_SOCKET once the mount is live, STOPPING=1 when it
/// ends; for a socket path and for an abstract name ('@').
final class SystemdNotifyTests: MountTestCase {
    func testReadyAndStoppingOnASocketPath() throws {
        let harness = try makeHarness()
        try checkNotifications(harness, address: harness.directory + "/notify")
    }

    func testReadyOnAnAbstractSocket() throws {
        let harness = try makeHarness()
        try checkNotifications(harness, address: "@logdumpfs-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    private func checkNotifications(_ harness: MountHarness, address: String) throws {
        try harness.writeManifest()
        let socket = try DatagramSocket(address: address)
        defer { socket.close() }
        try harness.mount(environment: ["PATH": ToolRunner.searchPath, "LOGDUMPFS_TOKEN": MountHarness.goodToken,
                                        "NOTIFY_SOCKET": address])
        let ready = socket.receive(timeout: 10)
        XCTAssertTrue(MountHarness.isMounted(harness.mountpoint))
        XCTAssertEqual(ready?.split(separator: "\n").first, "READY=1", "\(ready ?? "nothing within 10 s")\n\(harness.daemonOutput())")
        XCTAssertTrue(ready?.contains("STATUS=Mounted on ") == true, ready ?? "")
        XCTAssertEqual(harness.unmount(), [])
        XCTAssertEqual(socket.receive(timeout: 10), "STOPPING=1")
    }
}

/// A unix datagram socket bound to a path or, for '@name', an abstract name.
private final class DatagramSocket {
    private let fd: Int32

    init(address: String) throws {
        fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(String(cString: strerror(errno)))") }
        var sockaddr = sockaddr_un()
        sockaddr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &sockaddr.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (bytes.first == 0 ? 0 : 1)
        let bound = withUnsafePointer(to: &sockaddr) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard bound == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw HarnessError("bind \(address): \(message)")
        }
    }

    /// The next datagram, or nil after `timeout` seconds.
    func receive(timeout: TimeInterval) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}
