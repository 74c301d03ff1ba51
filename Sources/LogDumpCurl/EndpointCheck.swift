import CCurl
import Foundation
import Glibc
import LogDump
import Synchronization

/// What a mount checks of its manifest's endpoints at start, so that the operator learns
/// of a problem before the first read: an `http://` endpoint off this machine (the token
/// crosses the network in clear), and, in the background, an `https://` endpoint whose
/// certificate does not verify (one TLS handshake, no request). It never blocks or fails
/// the mount; reads report the same problems on their own.
public final class EndpointCheck: Sendable {
    private let stopped = Mutex(false)

    /// One handshake's limit, connecting included: a slow endpoint must not keep the check long.
    static let timeout: Duration = .seconds(5)

    private init() {}

    /// Warns now about clear-text endpoints and starts checking TLS on a thread of its own.
    /// `sending` says what the requests carry (`RequestAuthorizer.carries`).
    public static func start(_ entries: [ExportEntry], options: CurlOptions, sending: String) -> EndpointCheck {
        let check = EndpointCheck()
        let endpoints = firstExports(entries)
        if let warning = cleartextWarning(endpoints.map(\.endpoint), sending: sending) {
            Log.warning(warning)
        }
        let secure = endpoints.filter { $0.endpoint.url.hasPrefix("https://") }
        if !secure.isEmpty {
            Thread.detachNewThread { check.checkTLS(of: secure, options: options) }
        }
        return check
    }

    /// Ends the check after the handshake in flight (which `timeout` bounds).
    public func stop() { stopped.withLock { $0 = true } }

    private func checkTLS(of locations: [ExportLocation], options: CurlOptions) {
        let pool = CurlHandlePool(options: options, maxIdle: 1)
        for location in locations where !stopped.withLock({ $0 }) {
            do throws(RemoteError) {
                try Self.handshake(location.contentURL, pool: pool)
                Log.debug("\(location.endpoint): its TLS certificate is verified")
            } catch {
                if case .tls = error {
                    Log.warning("reads will fail: \(error)")
                } else {
                    Log.info("\(location.endpoint): could not check its TLS certificate at mount: \(error)")
                }
            }
        }
    }

    /// Connects to `url`'s host and completes the TLS handshake, certificate checks
    /// included, without sending a request (CURLOPT_CONNECT_ONLY). The handle is left
    /// holding that bare connection, so it is closed, not returned to the pool.
    private static func handshake(_ url: String, pool: CurlHandlePool) throws(RemoteError) {
        let handle = try pool.checkOut()
        handle.setString(CURLOPT_URL, url)
        handle.setLong(CURLOPT_CONNECT_ONLY, 1)
        handle.setLong(CURLOPT_TIMEOUT_MS, timeout.curlMilliseconds)
        handle.errorBuffer[0] = 0
        let code = curl_easy_perform(handle.easy)
        guard code == CURLE_OK else { throw handle.failure(code, url: url) }
    }

    /// Each endpoint once, with the first export that uses it, in manifest order.
    static func firstExports(_ entries: [ExportEntry]) -> [ExportLocation] {
        var seen: Set<Endpoint> = []
        return entries.filter { seen.insert($0.endpoint).inserted }.map(\.location)
    }

    /// The one warning for `http://` endpoints that are not on this machine, or nil.
    public static func cleartextWarning(_ endpoints: [Endpoint], sending secret: String) -> String? {
        let exposed = endpoints.filter { $0.url.hasPrefix("http://") && !isLoopback($0) }
        guard !exposed.isEmpty else { return nil }
        let list = exposed.map(\.url).joined(separator: ", ")
        return "\(list): plain HTTP to another host, so \(secret) crosses the network unencrypted; use https://"
    }

    /// Whether the endpoint's host is this machine: `localhost`, 127.0.0.0/8 or ::1.
    static func isLoopback(_ endpoint: Endpoint) -> Bool {
        var host = Substring(endpoint.url)
        if let scheme = host.firstRange(of: "://") { host = host[scheme.upperBound...] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(host.dropFirst()[..<close]), &address) == 1 else { return false }
            return withUnsafeBytes(of: &address) { $0.elementsEqual([UInt8](repeating: 0, count: 15) + [1]) }
        }
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        if host == "localhost" { return true }
        var address = in_addr()
        guard inet_pton(AF_INET, String(host), &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { $0.first == 127 }
    }
}
