import CCurl
import LogDump
import Synchronization

/// One CURL easy handle, with the options that never change between requests. A handle
/// keeps its connection open after a transfer, so reusing it is what gives keep-alive.
/// Used by one thread at a time: the pool hands it out to exactly one caller.
final class CurlHandle: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    /// CURLOPT_ERRORBUFFER: curl writes a NUL-terminated reason here when a transfer fails.
    let errorBuffer: UnsafeMutablePointer<CChar>

    /// Bytes curl reads from the socket at a time (its default is 16 KiB): a 64 KiB
    /// random read then arrives in one read and one write callback instead of four.
    static let receiveBuffer = 64 << 10

    init?(share: UnsafeMutableRawPointer, options: CurlOptions) {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        configure(share: share, options: options)
    }

    private func configure(share: UnsafeMutableRawPointer, options: CurlOptions) {
        setLong(CURLOPT_NOSIGNAL, 1)                 // no SIGALRM for DNS timeouts: we are threaded
        setLong(CURLOPT_FOLLOWLOCATION, 0)           // a 3xx is an answer, not a detour
        setString(CURLOPT_PROTOCOLS_STR, "http,https")
        setString(CURLOPT_ACCEPT_ENCODING, "identity")  // exact bytes: no compression
        setLong(CURLOPT_HTTP_CONTENT_DECODING, 0)
        setLong(CURLOPT_SSL_VERIFYPEER, 1)
        setLong(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = options.caFile { setString(CURLOPT_CAINFO, caFile) }
        setLong(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.curlMilliseconds)
        setLong(CURLOPT_LOW_SPEED_LIMIT, 1)          // below 1 byte/s for LOW_SPEED_TIME: a stall
        setLong(CURLOPT_LOW_SPEED_TIME, options.stallTimeout.curlSeconds)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_BUFFERSIZE, Self.receiveBuffer)
        setString(CURLOPT_USERAGENT, options.userAgent)
        expectOK(ldfs_easy_setopt_pointer(easy, CURLOPT_SHARE, share), "CURLOPT_SHARE")
        expectOK(ldfs_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
    }

    func setLong(_ option: CURLoption, _ value: Int) {
        expectOK(ldfs_easy_setopt_long(easy, option, value), "curl_easy_setopt(long)")
    }

    /// curl copies string options, so the Swift string need not outlive the call.
    func setString(_ option: CURLoption, _ value: String?) {
        let code = if let value {
            value.withCString { ldfs_easy_setopt_string(easy, option, $0) }
        } else {
            ldfs_easy_setopt_string(easy, option, nil)
        }
        expectOK(code, "curl_easy_setopt(string)")
    }

    /// The text curl left in CURLOPT_ERRORBUFFER, else curl_easy_strerror's; escaped, as
    /// it may quote what the server sent (a certificate's names, a status line).
    func errorText(_ code: CURLcode) -> String {
        let text = String(cString: errorBuffer)
        return (text.isEmpty ? String(cString: curl_easy_strerror(code)) : text).escapedForLog()
    }

    deinit {
        curl_easy_cleanup(easy)
        errorBuffer.deallocate()
    }
}

/// Idle easy handles and the CURLSH they share (DNS cache and TLS sessions; not
/// connections: CURL_LOCK_DATA_CONNECT is unsafe across threads in curl 7.88).
final class CurlHandlePool: @unchecked Sendable {
    /// Locked by its own pthread mutexes (ccurl.c); only read here.
    private let share: OpaquePointer
    private let options: CurlOptions
    private let idle = Mutex<[CurlHandle]>([])
    /// Idle handles beyond this are closed rather than kept: bounds open connections.
    private let maxIdle: Int

    init(options: CurlOptions, maxIdle: Int = 32) {
        CurlGlobal.ensureInitialized()
        guard let share = ldfs_locked_share_new() else { fatalError("curl_share_init failed") }
        self.share = share
        self.options = options
        self.maxIdle = maxIdle
        let handle = ldfs_locked_share_handle(share)
        _ = ldfs_share_setopt_long(handle, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        _ = ldfs_share_setopt_long(handle, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
    }

    /// An idle handle (its connection possibly still open), or a new one.
    func checkOut() throws(RemoteError) -> CurlHandle {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        guard let handle = CurlHandle(share: ldfs_locked_share_handle(share), options: options) else {
            throw .network("curl_easy_init failed")
        }
        return handle
    }

    func checkIn(_ handle: CurlHandle) {
        let surplus: CurlHandle? = idle.withLock { handles in
            guard handles.count < maxIdle else { return handle }
            handles.append(handle)
            return nil
        }
        _ = surplus  // released here, outside the lock: curl_easy_cleanup may close a socket
    }

    deinit {
        idle.withLock { $0.removeAll() }  // every easy handle before the share they use
        ldfs_locked_share_free(share)
    }
}
