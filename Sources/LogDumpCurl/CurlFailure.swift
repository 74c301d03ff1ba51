import CCurl
import LogDump

extension CurlHandle {
    /// What a transfer to `url` that ended with `code` (not CURLE_OK) comes to: a timeout,
    /// a certificate that cannot be verified (permanent: .tls, never retried), or another
    /// network failure. curl's text is escaped: it may quote the server's certificate.
    func failure(_ code: CURLcode, url: String) -> RemoteError {
        let text = errorText(code)
        let origin = CurlExportSource.origin(of: url)
        if code == CURLE_OPERATION_TIMEDOUT { return .timedOut("\(text) (\(origin))") }
        if Self.isCertificateProblem(code, text: text) {
            return .tls("cannot verify the certificate of \(origin) (\(text)); "
                        + "if a private CA signed it, trust that CA with --ca-file PATH (a PEM bundle)")
        }
        return .network("\(text) (\(origin))")
    }

    /// Unknown CA, wrong name, expired, a CA bundle that cannot be loaded: what no retry
    /// cures. curl 7.88 reports some verification failures as a plain TLS connect error
    /// whose text names the certificate.
    static func isCertificateProblem(_ code: CURLcode, text: String) -> Bool {
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS:
            return true
        case CURLE_SSL_CONNECT_ERROR:
            return text.lowercased().contains("certificate")
        default:
            return false
        }
    }
}

extension CurlExportSource {
    /// `https://host:port` of a URL, for messages: no path, no credentials.
    static func origin(of url: String) -> String {
        let scheme = url.firstRange(of: "://").map { url[..<$0.lowerBound].lowercased() + "://" } ?? ""
        return scheme + host(of: url)
    }
}
