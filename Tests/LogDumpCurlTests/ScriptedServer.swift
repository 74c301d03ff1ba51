import Foundation
import LogDumpTestSupport

/// A loopback HTTP server that answers connection N with scripted reply N, byte for byte,
/// then closes it or holds it open: what the emulator cannot do (Retry-After, a body
/// broken off, a stall). It records each request's head and body.
final class ScriptedServer: @unchecked Sendable {
    struct Reply {
        var bytes: [UInt8]
        /// Hold the connection open, sending nothing more, until `stop()`.
        var stalls = false

        init(_ text: String, body: [UInt8] = [], stalls: Bool = false) {
            bytes = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) + body
            self.stalls = stalls
        }
    }

    private let listener: Int32
    private let lock = NSLock()
    private var replies: [Reply]
    private var heads: [String] = []
    private var bodies: [[UInt8]] = []
    private var held: [Int32] = []
    /// Signalled when the accept thread has ended: only then may the listener's fd number
    /// be closed and reused, or that thread could accept another test's connections.
    private let acceptEnded = DispatchSemaphore(value: 0)
    let port: Int

    init(_ replies: [Reply]) throws {
        self.replies = replies
        guard let (listener, port) = bindLoopback() else { throw POSIXError(.EADDRNOTAVAIL) }
        guard listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.listener = listener
        self.port = port
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Each request's head (request line and headers), in order.
    var requests: [String] { lock.withLock { heads } }

    /// Each request's body (as long as its Content-Length said), in order.
    var requestBodies: [[UInt8]] { lock.withLock { bodies } }

    /// Closes the listener and every held connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR)) // wakes accept, and fails every later one
        _ = acceptEnded.wait(timeout: .now() + 5)
        close(listener)
        for fd in lock.withLock({ held }) { close(fd) }
    }

    private func acceptLoop() {
        defer { acceptEnded.signal() }
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            let head = readHead(fd)
            let body = readBody(fd, length: Self.contentLength(head))
            let reply: Reply? = lock.withLock {
                heads.append(head)
                bodies.append(body)
                return replies.isEmpty ? nil : replies.removeFirst()
            }
            guard let reply else { close(fd); continue }
            _ = reply.bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if reply.stalls { lock.withLock { held.append(fd) } } else { close(fd) }
        }
    }

    private func readHead(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1 {
            bytes.append(byte)
            if bytes.count >= 4 && bytes.suffix(4) == [13, 10, 13, 10] { break }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Up to `length` bytes (at most 1 MiB: bodies here are small).
    private func readBody(_ fd: Int32, length: Int) -> [UInt8] {
        let length = min(max(length, 0), 1 << 20)
        var body = [UInt8](repeating: 0, count: length)
        var received = 0
        while received < length {
            let count = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, length - received, 0) }
            guard count > 0 else { break }
            received += count
        }
        return Array(body[..<received])
    }

    private static func contentLength(_ head: String) -> Int {
        for line in head.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return 0
    }
}
