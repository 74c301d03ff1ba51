#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Resets a TCP connection (SO_LINGER 0, then close: the kernel sends RST and the client's
/// next read fails with ECONNRESET). A reset also throws away what the socket has not yet
/// delivered, so it waits (polling on the loop, 2 s at most) until the client's TCP has
/// acknowledged every byte written: "reset after N bytes" then means N bytes arrived.
enum ConnectionReset {
    static func reset(_ channel: Channel) {
        whenDelivered(channel, until: .now() + .seconds(2)) {
            guard let socket = channel as? SocketOptionProvider else { return channel.close(promise: nil) }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private static func whenDelivered(_ channel: Channel, until deadline: NIODeadline,
                                      _ then: @escaping @Sendable () -> Void) {
        guard channel.isActive, deadline > .now(), let socket = channel as? SocketOptionProvider else { return then() }
        let info: EventLoopFuture<TCPInfo> = socket.unsafeGetSocketOption(level: SocketOptionLevel(IPPROTO_TCP),
                                                                          name: SocketOptionName(TCP_INFO))
        info.whenComplete { result in
            guard case let .success(info) = result, info.undelivered else { return then() }
            channel.eventLoop.scheduleTask(in: .milliseconds(2)) {
                whenDelivered(channel, until: deadline, then)
            }
        }
    }
}

/// The head of Linux's `struct tcp_info` (linux/tcp.h; glibc's copy stops before
/// `tcpi_notsent_bytes`), read as 32-bit words. Older kernels fill less; the rest stays 0.
private struct TCPInfo: Sendable {
    var words = InlineArray<40, UInt32>(repeating: 0)

    /// Bytes sent but not acknowledged (`tcpi_unacked`, byte 24) or not sent yet
    /// (`tcpi_notsent_bytes`, byte 144).
    var undelivered: Bool { words[6] != 0 || words[36] != 0 }
}
