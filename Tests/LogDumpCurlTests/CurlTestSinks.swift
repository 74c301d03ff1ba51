import Foundation
import LogDump

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
