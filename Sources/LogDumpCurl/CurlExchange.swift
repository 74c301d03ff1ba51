import CCurl
import LogDump

/// One small request whose whole answer is kept in memory (IAM's token call, CloudDC's
/// sibling calls), on a pooled handle: unlike a download, nothing streams, and every
/// header is kept.
struct CurlExchange {
    /// The final response: its status, headers by lowercased name, and body.
    struct Answer {
        var status = 0
        var headers: [String: String] = [:]
        var body: [UInt8] = []
    }

    /// Bodies are kept this far by default; an identity service's answer is a few KiB.
    static let bodyLimit = 1 << 20

    /// POSTs `body` to `url`; a transport failure is .network, .tls or .timedOut, any
    /// status an Answer. `body` may hold a secret: it goes to curl only, never into an error.
    static func post(_ body: String, to url: String, headers: [String], timeout: Duration,
                     on handle: CurlHandle) throws(RemoteError) -> Answer {
        try send(body: body, to: url, headers: headers, timeout: timeout, bodyLimit: bodyLimit, on: handle)
    }

    /// A GET (`body` nil) or a POST of `body` (which may be empty); `method` sends the
    /// body with another method (PUT). An answer whose body is longer than `bodyLimit` is
    /// .badResponse.
    static func send(body: String?, method: String? = nil, to url: String, headers: [String], timeout: Duration,
                     bodyLimit: Int, on handle: CurlHandle) throws(RemoteError) -> Answer {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        let collector = Collector(bodyLimit: bodyLimit)
        let context = Unmanaged.passRetained(collector)
        defer { context.release() }

        handle.setString(CURLOPT_URL, url)
        expectOK(ldfs_easy_setopt_slist(handle.easy, CURLOPT_HTTPHEADER, list), "CURLOPT_HTTPHEADER")
        if let body {
            handle.setLong(CURLOPT_POSTFIELDSIZE, body.utf8.count)
            handle.setString(CURLOPT_COPYPOSTFIELDS, body)
        } else {
            handle.setLong(CURLOPT_HTTPGET, 1)
        }
        handle.setString(CURLOPT_CUSTOMREQUEST, method)
        handle.setLong(CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds)
        install(on: handle, context: context.toOpaque())
        handle.errorBuffer[0] = 0

        let code = curl_easy_perform(handle.easy)

        expectOK(ldfs_easy_setopt_slist(handle.easy, CURLOPT_HTTPHEADER, nil), "CURLOPT_HTTPHEADER")
        if body != nil {
            handle.setLong(CURLOPT_POSTFIELDSIZE, -1)
            handle.setString(CURLOPT_COPYPOSTFIELDS, "")  // curl's copy held the body: drop it
            handle.setLong(CURLOPT_HTTPGET, 1)             // and the next request is a GET again
        }
        handle.setString(CURLOPT_CUSTOMREQUEST, nil)
        handle.setLong(CURLOPT_TIMEOUT_MS, 0)
        install(on: handle, context: nil)
        switch code {
        case CURLE_OK where collector.answer.status > 0: return collector.answer
        case CURLE_WRITE_ERROR where collector.overflowed:
            throw .badResponse("an answer longer than \(bodyLimit) bytes from \(CurlExportSource.host(of: url))")
        case CURLE_OK: throw .badResponse("no HTTP status from \(CurlExportSource.host(of: url))")
        default: throw handle.failure(code, url: url)
        }
    }

    /// Gathers the answer from curl's callbacks; reached through an Unmanaged pointer.
    private final class Collector {
        let bodyLimit: Int
        var answer = Answer()
        var overflowed = false

        init(bodyLimit: Int) { self.bodyLimit = bodyLimit }

        func take(headerLine bytes: UnsafeRawBufferPointer) {
            let line = String(decoding: bytes, as: UTF8.self)[...].trimmingSpaces
            if line.hasPrefix("HTTP/") {  // a new response (after a 100 Continue): start afresh
                let parts = line.split(separator: " ", maxSplits: 2)
                answer = Answer(status: parts.count >= 2 ? Int(parts[1]) ?? 0 : 0)
            } else if let colon = line.firstIndex(of: ":") {
                answer.headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].trimmingSpaces)
            }
        }

        func take(body bytes: UnsafeRawBufferPointer) -> Bool {
            guard answer.body.count + bytes.count <= bodyLimit else {
                overflowed = true
                return false
            }
            answer.body.append(contentsOf: bytes)
            return true
        }
    }

    private static func install(on handle: CurlHandle, context: UnsafeMutableRawPointer?) {
        expectOK(ldfs_easy_setopt_data_callback(handle.easy, CURLOPT_HEADERFUNCTION) { ptr, size, count, context in
            if let context {
                Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
                    .take(headerLine: UnsafeRawBufferPointer(start: ptr, count: size * count))
            }
            return size * count
        }, "CURLOPT_HEADERFUNCTION")
        expectOK(ldfs_easy_setopt_data_callback(handle.easy, CURLOPT_WRITEFUNCTION) { ptr, size, count, context in
            guard let context else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            return collector.take(body: UnsafeRawBufferPointer(start: ptr, count: size * count)) ? size * count : 0
        }, "CURLOPT_WRITEFUNCTION")
        expectOK(ldfs_easy_setopt_pointer(handle.easy, CURLOPT_HEADERDATA, context), "CURLOPT_HEADERDATA")
        expectOK(ldfs_easy_setopt_pointer(handle.easy, CURLOPT_WRITEDATA, context), "CURLOPT_WRITEDATA")
    }
}
