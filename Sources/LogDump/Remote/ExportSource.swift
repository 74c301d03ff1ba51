/// What an answer to a download said before its body.
public struct ResponseHead: Sendable, Equatable {
    /// Offset in the export of the body's first byte: the range's start on 206, 0 on 200.
    public var bodyOffset: UInt64
    /// Bytes the body promises (Content-Length), when the server says.
    public var bodyLength: UInt64?
    /// The export's whole size: Content-Range's total on 206, Content-Length on 200.
    public var totalSize: UInt64?
    /// True when the server answered a Range request with 206.
    public var rangeHonoured: Bool
    /// ETag, else Last-Modified: what tells one version of the export from another.
    public var validator: String?
    /// The answer's Content-Type, for messages: a proxy's error page in place of the
    /// archive says `text/html`.
    public var contentType: String?
    /// The file name `Content-Disposition` gives (`<serial number>-dump.tar.gz`), when
    /// it is one path segment, printable and of at most 255 bytes: the source checks.
    public var fileName: String?

    public init(bodyOffset: UInt64, bodyLength: UInt64?, totalSize: UInt64?,
                rangeHonoured: Bool, validator: String? = nil, contentType: String? = nil,
                fileName: String? = nil) {
        self.bodyOffset = bodyOffset
        self.bodyLength = bodyLength
        self.totalSize = totalSize
        self.rangeHonoured = rangeHonoured
        self.validator = validator
        self.contentType = contentType
        self.fileName = fileName
    }

    /// `200, Content-Type text/html`: what kind of answer this was, for messages.
    public var summary: String {
        (rangeHonoured ? "206" : "200") + (contentType.map { ", Content-Type \($0.escapedForLog(limit: 100))" } ?? "")
    }
}

/// Receives one transfer's body in order. Returning false stops the transfer early;
/// that is not an error.
public protocol TransferSink: AnyObject {
    func begin(_ head: ResponseHead) -> Bool
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// True once nobody wants the rest of the body (its readers were interrupted, or the
    /// mount is stopping). Sources poll it while they wait, on a stall or before a retry,
    /// and then stop within about a second; a stopped transfer is not an error.
    var isCancelled: Bool { get }
}

extension TransferSink {
    public var isCancelled: Bool { false }
}

/// One download: which export, which bytes, how long it may take.
public struct TransferRequest: Sendable {
    public var location: ExportLocation
    /// The bytes wanted; nil asks for the whole export. A server may ignore it (200).
    /// An upper bound of `toEnd` asks for everything from the lower bound on (`bytes=N-`).
    public var range: Range<UInt64>?
    /// A limit on the whole transfer, for short probes; nil relies on stall detection.
    public var timeout: Duration?
    /// Sent as `If-Range`: the validator of an earlier answer, so that a resumed range is
    /// only answered (206) while the export is still that version; else the server sends
    /// the whole body (200).
    public var ifRange: String?
    /// The export's size as the manifest promises it (stat has shown it already): an
    /// answer that says or shows another size fails with `sizeMismatch`, never a short
    /// or padded file. Nil: the server's size is taken.
    public var expectedSize: UInt64?

    /// The upper bound of a range that runs to the end of the export, whatever its size.
    public static let toEnd = UInt64.max

    public init(location: ExportLocation, range: Range<UInt64>?, timeout: Duration? = nil,
                ifRange: String? = nil, expectedSize: UInt64? = nil) {
        self.location = location
        self.range = range
        self.timeout = timeout
        self.ifRange = ifRange
        self.expectedSize = expectedSize
    }
}

/// The download endpoint, as the core sees it. `transfer` blocks the calling thread:
/// call it from a thread of your own, never from Swift's cooperative pool.
public protocol ExportSource: Sendable {
    func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError)
}

extension ExportSource {
    /// Learns an export's size from the head of a one-byte ranged GET (Content-Range's
    /// total, or Content-Length when Range is ignored); nil when the server gives none.
    /// Once `isCancelled` turns true the probe stops within about a second (its answer is
    /// then meaningless).
    public func probeSize(_ location: ExportLocation, timeout: Duration,
                          isCancelled: @escaping @Sendable () -> Bool = { false }) throws(RemoteError) -> UInt64? {
        try probe(location, timeout: timeout, isCancelled: isCancelled)?.size
    }

    /// What the head of a one-byte ranged GET says of an export; nil when the transfer
    /// stopped before a head (on cancellation).
    public func probe(_ location: ExportLocation, timeout: Duration,
                      isCancelled: @escaping @Sendable () -> Bool = { false }) throws(RemoteError) -> ProbedExport? {
        let sink = HeadOnlySink(isCancelled: isCancelled)
        do {
            try transfer(TransferRequest(location: location, range: 0..<1, timeout: timeout), into: sink)
        } catch let error where error.isRangeNotSatisfiable {
            return ProbedExport(size: 0, validator: nil, rangeHonoured: true) // no byte 0: an empty export
        }
        return sink.head.map { ProbedExport(size: $0.totalSize, validator: $0.validator, rangeHonoured: $0.rangeHonoured) }
    }
}

/// What a probe learned of an export from the head of its answer.
public struct ProbedExport: Sendable, Equatable {
    /// The export's whole size; nil when the server gives none.
    public var size: UInt64?
    /// ETag, else Last-Modified.
    public var validator: String?
    public var rangeHonoured: Bool
}

/// Keeps the head and stops the transfer before the body.
private final class HeadOnlySink: TransferSink {
    var head: ResponseHead?
    private let cancelled: @Sendable () -> Bool
    init(isCancelled: @escaping @Sendable () -> Bool) { cancelled = isCancelled }
    func begin(_ head: ResponseHead) -> Bool { self.head = head; return false }
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool { false }
    var isCancelled: Bool { cancelled() }
}
