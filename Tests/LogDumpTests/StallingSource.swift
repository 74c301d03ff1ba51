import Foundation
import LogDump

/// Answers the first `free` requests whole; later ones send half their body, then stall
/// until released (30 s at most), or until the sink says nobody wants the rest, as a
/// real source polls it; released, they send the rest.
final class StallingSource: ExportSource, @unchecked Sendable {
    private let memory = MemoryExportSource()
    private let condition = NSCondition()
    private var free: Int
    private var released = false
    private var stalled = 0
    private var cancelled = 0
    private var requests = 0

    init(bytes: [UInt8], free: Int = 0) {
        self.free = free
        memory.add(bytes, at: ReaderFixtures.location)
    }

    /// Requests for bytes from the export's start.
    var requestsFromStart: Int { condition.withLock { requests } }

    func release() { condition.withLock { released = true; condition.broadcast() } }

    func waitUntilStalled(count: Int) -> Bool { waitUntil { self.stalled >= count } }
    func waitUntilCancelled(count: Int) -> Bool { waitUntil { self.cancelled >= count } }

    /// Stalled transfers that ended because nobody wanted them any more.
    var cancelledCount: Int { condition.withLock { cancelled } }

    private func waitUntil(_ done: () -> Bool) -> Bool {
        condition.withLock {
            let deadline = Date().addingTimeInterval(10)
            while !done() && condition.wait(until: deadline) {}
            return done()
        }
    }

    func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let stalls = condition.withLock {
            if (request.range?.lowerBound ?? 0) == 0 { requests += 1 }
            if free > 0 { free -= 1; return false }
            return !released
        }
        try memory.transfer(request, into: stalls ? HalfwayStall(sink, source: self) : sink)
    }

    /// Called halfway through a body; false: cancelled.
    fileprivate func stall(_ sink: TransferSink) -> Bool {
        condition.withLock {
            stalled += 1
            condition.broadcast()
            let deadline = Date().addingTimeInterval(30)
            while !released && !sink.isCancelled && Date() < deadline {
                _ = condition.wait(until: Date().addingTimeInterval(0.02))
            }
            if sink.isCancelled { cancelled += 1; condition.broadcast() }
            return !sink.isCancelled
        }
    }
}

/// Passes a body on, stalling at its middle.
private final class HalfwayStall: TransferSink {
    private let downstream: TransferSink
    private let source: StallingSource
    private var untilStall = -1

    init(_ downstream: TransferSink, source: StallingSource) {
        self.downstream = downstream
        self.source = source
    }

    func begin(_ head: ResponseHead) -> Bool {
        untilStall = Int(head.bodyLength ?? 0) / 2
        return downstream.begin(head)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard untilStall >= 0, untilStall < bytes.count else {
            untilStall -= bytes.count
            return downstream.receive(bytes)
        }
        let split = untilStall
        untilStall = -1
        return downstream.receive(UnsafeRawBufferPointer(rebasing: bytes[..<split]))
            && source.stall(downstream)
            && downstream.receive(UnsafeRawBufferPointer(rebasing: bytes[split...]))
    }
}
