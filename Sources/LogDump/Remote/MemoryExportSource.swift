#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An ExportSource over bytes in memory: the twin of the curl source for tests of the
/// core. It can ignore Range or hide the size, as real servers may, counts requests, and
/// can be scripted to fail them (see `Fault`).
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

    /// One export as served: its bytes, and the validator (ETag) and file name
    /// (Content-Disposition) its answers carry.
    private struct Export {
        var bytes: [UInt8]
        var validator: String?
        var fileName: String?
    }

    private struct State {
        var exports: [ExportLocation: Export] = [:]
        var behaviour = Behaviour()
        var requests: [TransferRequest] = []
        var faults: [Fault] = []
        var bytesSent = 0
    }

    private let state = Mutex(State())

    public init(behaviour: Behaviour = Behaviour()) {
        state.withLock { $0.behaviour = behaviour }
    }

    /// Serves `bytes` at `location` from now on (replacing what was there), with
    /// `validator` as the answers' ETag; If-Range is honoured only when it matches.
    public func add(_ bytes: [UInt8], at location: ExportLocation, validator: String? = nil,
                    fileName: String? = nil) {
        state.withLock { $0.exports[location] = Export(bytes: bytes, validator: validator, fileName: fileName) }
    }

    public func setBehaviour(_ behaviour: Behaviour) {
        state.withLock { $0.behaviour = behaviour }
    }

    /// The next requests meet these faults, one each, in order; later ones are answered.
    public func script(_ faults: [Fault]) {
        state.withLock { $0.faults.append(contentsOf: faults) }
    }

    /// The next requests fail with these errors, one each, in order.
    public func failNext(_ errors: [RemoteError]) {
        script(errors.map { .fail($0) })
    }

    /// Requests answered so far, failed ones included.
    public var requestCount: Int { state.withLock { $0.requests.count } }

    /// The range each request asked for, in order (nil: the whole export).
    public var requestedRanges: [Range<UInt64>?] { state.withLock { $0.requests.map(\.range) } }

    /// Each request's If-Range, in order.
    public var requestedIfRanges: [String?] { state.withLock { $0.requests.map(\.ifRange) } }

    /// Body bytes handed to sinks so far, over all requests: what a network would carry.
    public var bytesSent: Int { state.withLock { $0.bytesSent } }

    public func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        let (export, behaviour, fault) = state.withLock { state in
            state.requests.append(request)
            let fault = state.faults.isEmpty ? Fault.none : state.faults.removeFirst()
            return (state.exports[request.location], state.behaviour, fault)
        }
        if behaviour.latency > .zero { sleepFor(behaviour.latency) }
        if case .fail(let failure) = fault { throw failure }
        guard let export else { throw .http(status: 404, code: "CDC.0404", message: "export not found") }
        let bytes = export.bytes
        let total = UInt64(bytes.count)
        var body = 0..<bytes.count
        var head = ResponseHead(bodyOffset: 0, bodyLength: behaviour.sendsLength ? total : nil,
                                totalSize: behaviour.sendsLength ? total : nil, rangeHonoured: false,
                                validator: export.validator, fileName: export.fileName)
        let stillValid = request.ifRange == nil || request.ifRange == export.validator
        if let range = request.range, behaviour.honoursRange, stillValid, !fault.ignoresRange {
            guard range.lowerBound < total else { throw .http(status: 416, code: nil, message: nil) }
            var end = min(range.upperBound, total)
            if case .partial(let most) = fault { end = min(end, range.lowerBound + UInt64(max(1, most))) }
            body = Int(range.lowerBound)..<Int(end)
            head = ResponseHead(bodyOffset: range.lowerBound, bodyLength: end - range.lowerBound,
                                totalSize: total, rangeHonoured: true, validator: export.validator,
                                fileName: export.fileName)
        }
        guard sink.begin(head) else { return }
        let cut = fault.cutAfter.map { min(body.lowerBound + $0, body.upperBound) } ?? body.upperBound
        var position = body.lowerBound
        while position < cut {
            if sink.isCancelled { return }
            let end = min(position + behaviour.chunkSize, cut)
            state.withLock { $0.bytesSent += end - position }
            let more = bytes[position..<end].withUnsafeBytes { sink.receive($0) }
            if !more { return }
            position = end
        }
        if fault.cutAfter != nil {
            throw .bodyEndedEarly(received: UInt64(cut - body.lowerBound), promised: head.bodyLength)
        }
    }
}
