#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An ExportSource over bytes in memory: the twin of the curl source for tests of the
/// core. It can ignore Range or hide the size, as real servers may, and counts requests.
public final class MemoryExportSource: ExportSource {
    public struct Behaviour: Sendable {
        public var honoursRange = true
        public var sendsLength = true
        /// Body bytes handed to the sink per call, as a network would split them.
        public var chunkSize = 64 << 10
        /// Wait before answering each request, to make concurrent readers overlap.
        public var latency: Duration = .zero
        public init() {}
    }

    private struct State {
        var exports: [ExportLocation: [UInt8]] = [:]
        var behaviour = Behaviour()
        var requests = 0
        var ranges: [Range<UInt64>?] = []
        var failures: [RemoteError] = []
    }

    private let state = Mutex(State())

    public init(behaviour: Behaviour = Behaviour()) {
        state.withLock { $0.behaviour = behaviour }
    }

    public func add(_ bytes: [UInt8], at location: ExportLocation) {
        state.withLock { $0.exports[location] = bytes }
    }

    public func setBehaviour(_ behaviour: Behaviour) {
        state.withLock { $0.behaviour = behaviour }
    }

    /// The next requests fail with these errors, one each, in order.
    public func failNext(_ errors: [RemoteError]) {
        state.withLock { $0.failures.append(contentsOf: errors) }
    }

    /// Requests answered so far, failed ones included.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// The range each request asked for, in order (nil: the whole export).
    public var requestedRanges: [Range<UInt64>?] { state.withLock { $0.ranges } }

    public func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let (bytes, behaviour, failure) = state.withLock { state in
            state.requests += 1
            state.ranges.append(request.range)
            let failure = state.failures.isEmpty ? nil : state.failures.removeFirst()
            return (state.exports[request.location], state.behaviour, failure)
        }
        if behaviour.latency > .zero { sleepFor(behaviour.latency) }
        if let failure { throw failure }
        guard let bytes else { throw .http(status: 404, code: "CDC.0404", message: "export not found") }
        let total = UInt64(bytes.count)
        var body = 0..<bytes.count
        var head = ResponseHead(bodyOffset: 0, bodyLength: behaviour.sendsLength ? total : nil,
                                totalSize: behaviour.sendsLength ? total : nil, rangeHonoured: false)
        if let range = request.range, behaviour.honoursRange {
            guard range.lowerBound < total else { throw .http(status: 416, code: nil, message: nil) }
            let end = min(range.upperBound, total)
            body = Int(range.lowerBound)..<Int(end)
            head = ResponseHead(bodyOffset: range.lowerBound, bodyLength: end - range.lowerBound,
                                totalSize: total, rangeHonoured: true)
        }
        guard sink.begin(head) else { return }
        var position = body.lowerBound
        while position < body.upperBound {
            let end = min(position + behaviour.chunkSize, body.upperBound)
            let more = bytes[position..<end].withUnsafeBytes { sink.receive($0) }
            if !more { return }
            position = end
        }
    }
}
