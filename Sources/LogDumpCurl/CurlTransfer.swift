import CCurl
import LogDump

/// The state of one request while curl_easy_perform runs: the headers so far, the sink,
/// what the body has brought. The C callbacks reach it through an Unmanaged pointer.
final class CurlTransfer {
    /// Non-2xx bodies are read this far, for their JSON error; the rest is dropped.
    static let errorBodyLimit = 64 * 1024

    let request: TransferRequest
    let sink: TransferSink
    var headers = ResponseHeaders()
    /// Set once sink.begin has been called (with what it was given).
    private(set) var head: ResponseHead?
    private(set) var bodyBytes: UInt64 = 0
    private(set) var errorBody: [UInt8] = []
    /// The sink asked to stop: the transfer ends early, and that is not an error.
    private(set) var stoppedBySink = false
    /// The sink was cancelled and the progress callback aborted the transfer: not an error.
    private(set) var cancelled = false
    /// A protocol violation found while the body streamed; it aborted the transfer.
    private(set) var protocolError: RemoteError?
    /// Trailers arrive through the header callback after the body: ignore them.
    private var bodyStarted = false

    init(request: TransferRequest, sink: TransferSink) {
        self.request = request
        self.sink = sink
    }

    var isSuccess: Bool { (200..<300).contains(headers.status ?? 0) }

    /// CURLOPT_HEADERFUNCTION: one line per call.
    func takeHeader(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self)
        if bodyStarted && !line.hasPrefix("HTTP/") { return }
        bodyStarted = false
        headers.take(line: line[...])
    }

    /// CURLOPT_WRITEFUNCTION: returns false to make curl abort the transfer.
    func takeBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bodyStarted = true
        guard isSuccess else {
            let room = Self.errorBodyLimit - errorBody.count
            errorBody.append(contentsOf: bytes.prefix(max(0, room)))
            return bytes.count <= room
        }
        if head == nil {
            guard beginSink() else { return false }
        }
        bodyBytes += UInt64(bytes.count)
        guard sink.receive(bytes) else {
            stoppedBySink = true
            return false
        }
        return true
    }

    /// CURLOPT_XFERINFOFUNCTION, called often while bytes flow and about once a second
    /// while stalled: true aborts the transfer, so a cancelled one ends within a second.
    func shouldAbort() -> Bool {
        if !cancelled && sink.isCancelled { cancelled = true }
        return cancelled
    }

    /// Builds the ResponseHead of a 2xx and hands it to the sink; false stops the transfer
    /// (the sink declined, or the head breaks the protocol: see protocolError).
    func beginSink() -> Bool {
        let head: ResponseHead
        do {
            head = try makeHead()
        } catch {
            protocolError = error
            return false
        }
        self.head = head
        guard sink.begin(head) else {
            stoppedBySink = true
            return false
        }
        return true
    }

    private func makeHead() throws(RemoteError) -> ResponseHead {
        let validator = headers.etag ?? headers.lastModified
        // Identity was asked for (CURLOPT_ACCEPT_ENCODING) and curl decodes nothing:
        // an encoded body is other bytes than the archive's.
        if let encoding = headers.encoding {
            throw .badResponse("the body came with Content-Encoding \(encoding.escapedForLog(limit: 100)) although identity was asked for: its bytes are not the export's")
        }
        guard headers.status == 206 else {
            let length = headers.contentLength
            return ResponseHead(bodyOffset: 0, bodyLength: length, totalSize: length,
                                rangeHonoured: false, validator: validator, contentType: headers.contentType, fileName: headers.fileName)
        }
        guard let value = headers.contentRangeValue else {
            throw .badResponse("206 without Content-Range")
        }
        guard let range = headers.contentRange else {
            throw .badResponse("206 with unreadable Content-Range \"\(value.prefix(100))\"")
        }
        let wanted = request.range?.lowerBound ?? 0
        guard range.first == wanted else {
            throw .badResponse("asked for bytes from \(wanted), got Content-Range \(value.prefix(100))")
        }
        if let length = headers.contentLength, length != range.length {
            throw .badResponse("Content-Length \(length) disagrees with Content-Range \(value.prefix(100))")
        }
        return ResponseHead(bodyOffset: range.first, bodyLength: range.length, totalSize: range.total,
                            rangeHonoured: true, validator: validator, contentType: headers.contentType, fileName: headers.fileName)
    }
}
