import CCurl
import LogDump

/// ExportSource over libcurl's easy interface: one blocking transfer per call, on the
/// caller's thread, with a pool of easy handles so connections are kept alive and
/// DNS answers and TLS sessions are shared.
public final class CurlExportSource: ExportSource {
    private let authorizer: any RequestAuthorizer
    private let options: CurlOptions
    private let pool: CurlHandlePool
    /// Counts answers by status, and credential renewals.
    private let statistics: Statistics

    /// Requests carry `X-Auth-Token` from `token`.
    public convenience init(token: any TokenSource, options: CurlOptions = CurlOptions()) {
        self.init(authorizer: TokenAuthorizer(token), options: options)
    }

    public init(authorizer: any RequestAuthorizer, options: CurlOptions = CurlOptions(),
                statistics: Statistics = Statistics()) {
        self.authorizer = authorizer
        self.statistics = statistics
        self.options = options
        self.pool = CurlHandlePool(options: options)
    }

    /// Blocks until the body is delivered, the sink stops it, or it fails. Thread-safe.
    public func transfer(_ request: TransferRequest, into sink: TransferSink) throws(RemoteError) {
        if let range = request.range, range.isEmpty {
            // Nothing to fetch; a Range of zero bytes cannot even be written.
            _ = sink.begin(ResponseHead(bodyOffset: range.lowerBound, bodyLength: 0,
                                        totalSize: nil, rangeHonoured: true))
            return
        }
        let handle = try pool.checkOut()
        defer { pool.checkIn(handle) }
        // Retries wrap this source (RetryingSource); cancellation is polled by the
        // progress callback; a 401 is answered here, by renewing the credential once.
        let outgoing = OutgoingRequest(method: "GET", url: request.location.contentURL,
                                       projectID: request.location.key.projectID)
        var serverDate: String?
        try authorizer.withRenewal(outgoing, serverDate: { serverDate }, renewed: statistics.renewed) { authorization throws(RemoteError) in
            try performOnce(request, into: sink, authorization: authorization, on: handle, serverDate: &serverDate)
        }
    }

    /// One HTTP request on `handle`, its outcome classified. No retries here.
    /// `serverDate` is set to the answer's Date header.
    func performOnce(_ request: TransferRequest, into sink: TransferSink, authorization: RequestAuthorization,
                     on handle: CurlHandle, serverDate: inout String?) throws(RemoteError) {
        let url = request.location.contentURL
        let transfer = CurlTransfer(request: request, sink: sink)
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        for header in authorization.headers { headerList = curl_slist_append(headerList, header) }
        if let validator = request.ifRange, validator.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) {
            headerList = curl_slist_append(headerList, "If-Range: \(validator)")
        }
        defer { curl_slist_free_all(headerList) }

        handle.setString(CURLOPT_URL, url)
        expectOK(ldfs_easy_setopt_slist(handle.easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
        handle.setString(CURLOPT_RANGE, request.range.map(Self.rangeSpec))
        handle.setLong(CURLOPT_TIMEOUT_MS, request.timeout?.curlMilliseconds ?? 0)
        let context = Unmanaged.passRetained(transfer)
        defer { context.release() }
        Self.installCallbacks(on: handle, context: context.toOpaque())
        handle.errorBuffer[0] = 0

        let code = curl_easy_perform(handle.easy)

        // Nothing of this request may follow the handle into its next use.
        expectOK(ldfs_easy_setopt_slist(handle.easy, CURLOPT_HTTPHEADER, nil), "CURLOPT_HTTPHEADER")
        handle.setLong(CURLOPT_TIMEOUT_MS, 0)
        Self.installCallbacks(on: handle, context: nil)
        serverDate = transfer.headers.date
        if !transfer.cancelled { statistics.answered(status: transfer.headers.status ?? 0) }
        try classify(code, transfer, handle: handle, url: url, secrets: authorization.secrets)
    }

    /// CURLOPT_RANGE for `range`: `a-b`, or `a-` for one that runs to the export's end.
    static func rangeSpec(_ range: Range<UInt64>) -> String {
        range.upperBound == TransferRequest.toEnd ? "\(range.lowerBound)-" : "\(range.lowerBound)-\(range.upperBound - 1)"
    }

    /// Turns curl's result and what the transfer saw into success or a RemoteError.
    private func classify(_ code: CURLcode, _ transfer: CurlTransfer, handle: CurlHandle,
                          url: String, secrets: [String]) throws(RemoteError) {
        if transfer.cancelled { return }
        if let error = transfer.protocolError { throw error }
        if transfer.stoppedBySink { return }
        if let status = transfer.headers.status, status >= 200, !transfer.isSuccess {
            // Known status: an error body cut short (or too long) does not change it.
            let body = ErrorBody(status: status, body: transfer.errorBody, redacting: secrets)
            throw .http(status: status, code: body.code, message: body.message,
                        retryAfter: transfer.headers.retryAfter.flatMap { RetryAfter.parse($0) })
        }
        switch code {
        case CURLE_OK:
            break
        case CURLE_PARTIAL_FILE:
            throw shortBody(transfer) ?? .bodyEndedEarly(received: transfer.bodyBytes, promised: nil)
        default:
            throw handle.failure(code, url: url)
        }
        guard transfer.isSuccess else {
            throw .badResponse("no HTTP status from \(Self.host(of: url))")
        }
        if transfer.head == nil {  // an empty body: nothing triggered begin yet
            guard transfer.beginSink() else {
                if let error = transfer.protocolError { throw error }
                return
            }
        }
        if let error = shortBody(transfer) { throw error }
    }

    /// Fewer body bytes than Content-Length / Content-Range promised.
    private func shortBody(_ transfer: CurlTransfer) -> RemoteError? {
        let promised = transfer.head?.bodyLength ?? transfer.headers.contentRange?.length
            ?? transfer.headers.contentLength
        guard let promised, transfer.bodyBytes < promised else { return nil }
        return .bodyEndedEarly(received: transfer.bodyBytes, promised: promised)
    }

    /// The write, header and progress callbacks, and the context they receive (nil
    /// detaches it, and turns progress calls off again).
    private static func installCallbacks(on handle: CurlHandle, context: UnsafeMutableRawPointer?) {
        expectOK(ldfs_easy_setopt_data_callback(handle.easy, CURLOPT_WRITEFUNCTION) { ptr, size, count, context in
            let bytes = UnsafeRawBufferPointer(start: ptr, count: size * count)
            guard let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.takeBody(bytes) ? size * count : 0
        }, "CURLOPT_WRITEFUNCTION")
        expectOK(ldfs_easy_setopt_data_callback(handle.easy, CURLOPT_HEADERFUNCTION) { ptr, size, count, context in
            let bytes = UnsafeRawBufferPointer(start: ptr, count: size * count)
            guard let context else { return size * count }
            Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().takeHeader(bytes)
            return size * count
        }, "CURLOPT_HEADERFUNCTION")
        expectOK(ldfs_easy_setopt_xferinfo_callback(handle.easy) { context, _, _, _, _ in
            guard let context else { return 0 }
            return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().shouldAbort() ? 1 : 0
        }, "CURLOPT_XFERINFOFUNCTION")
        expectOK(ldfs_easy_setopt_pointer(handle.easy, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
        expectOK(ldfs_easy_setopt_pointer(handle.easy, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        expectOK(ldfs_easy_setopt_pointer(handle.easy, CURLOPT_XFERINFODATA, context), "CURLOPT_XFERINFODATA")
        handle.setLong(CURLOPT_NOPROGRESS, context == nil ? 1 : 0) // cancellation is polled there
    }

    /// The URL's host (and port), for error messages: never its path's secrets or a token.
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return String(rest)
    }
}
