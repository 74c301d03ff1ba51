import CCurl

/// libcurl's process-wide setup. curl_global_init is not thread-safe and must run once,
/// before any easy handle exists: a lazy static gives exactly that.
enum CurlGlobal {
    private static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    /// Runs curl_global_init on first use; later calls are free.
    static func ensureInitialized() {
        _ = initialized
    }
}

/// A Swift check for a CURLcode, so every setopt failure is loud in debug builds.
@inline(__always)
func expectOK(_ code: CURLcode, _ what: StaticString) {
    assert(code == CURLE_OK, "\(what) failed: \(String(cString: curl_easy_strerror(code)))")
}
