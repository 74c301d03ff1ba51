import Foundation
import LogDump

/// Collects what a transfer delivers (every head, the whole body), can be cancelled from
/// another thread, and runs `onReceive` with the running byte count after each chunk.
/// Shared by the core's and the curl source's tests.
public final class RecordingSink: TransferSink, @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    public private(set) var heads: [ResponseHead] = []
    public private(set) var bytes: [UInt8] = []
    public var onReceive: ((Int) -> Void)?

    public init() {}

    /// The last head begun, if any.
    public var head: ResponseHead? { heads.last }
    public var beginCount: Int { heads.count }

    public func begin(_ head: ResponseHead) -> Bool {
        heads.append(head)
        return true
    }

    public func receive(_ chunk: UnsafeRawBufferPointer) -> Bool {
        bytes.append(contentsOf: chunk)
        onReceive?(bytes.count)
        return true
    }

    public func cancel() { lock.withLock { cancelled = true } }
    public var isCancelled: Bool { lock.withLock { cancelled } }
}
