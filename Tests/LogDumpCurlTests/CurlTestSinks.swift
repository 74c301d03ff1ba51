import Foundation
import LogDump

/// Collects the head and the whole body; `cancel()`, from any thread, makes `isCancelled`
/// true. `onReceive` runs with the byte count so far after each chunk.
final class CollectingSink: TransferSink, @unchecked Sendable {
    var head: ResponseHead?
    var bytes: [UInt8] = []
    var beginCount = 0
    var onReceive: ((Int) -> Void)?
    private let lock = NSLock()
    private var cancelled = false

    func begin(_ head: ResponseHead) -> Bool { self.head = head; beginCount += 1; return true }
    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        bytes.append(contentsOf: chunk)
        onReceive?(bytes.count)
        return true
    }
    func cancel() { lock.withLock { cancelled = true } }
    var isCancelled: Bool { lock.withLock { cancelled } }
}

/// Stops the transfer once it holds at least `limit` bytes (at begin when the limit is 0).
final class StoppingSink: TransferSink {
    let limit: Int
    var head: ResponseHead?
    var bytes: [UInt8] = []
    init(after limit: Int) { self.limit = limit }
    func begin(_ head: ResponseHead) -> Bool { self.head = head; return limit > 0 }
    func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        bytes.append(contentsOf: chunk)
        return bytes.count < limit
    }
}
