#if canImport(Glibc)
import Glibc
#endif
import LogDump

/// Tokens from Huawei IAM by password (--iam-*): one at start, the next ahead of its
/// expires_at and after a 401 (see ExpiringToken for when and how). TLS is verified with
/// the same CurlOptions as downloads. The password goes into the request body only: never
/// into a log line, an error, argv or the cache.
public final class IAMTokenSource: TokenSource {
    private let token: ExpiringToken

    /// Logs in once; a refusal (401 with IAM's message) or an unreachable IAM is the error.
    public init(_ credentials: IAMCredentials, options: CurlOptions = CurlOptions(),
                retryDelays: [Duration] = [.milliseconds(250), .seconds(1), .seconds(2)]) throws(RemoteError) {
        let client = IAMClient(credentials: credentials, pool: CurlHandlePool(options: options, maxIdle: 1),
                               retryDelays: retryDelays)
        token = try ExpiringToken(issue: client.issue)
    }

    public func currentToken() throws(RemoteError) -> String { try token.currentToken() }

    public func renewed(after rejected: String) throws(RemoteError) -> String {
        try token.renewed(after: rejected)
    }
}

/// Asks IAM for a token, trying again after what RetryPolicy deems passing (a network
/// failure, a timeout, 429, a 5xx).
private struct IAMClient: Sendable {
    let credentials: IAMCredentials
    let pool: CurlHandlePool
    /// The waits before each retry; their count is the number of retries.
    let retryDelays: [Duration]
    /// One attempt's limit, connecting included.
    let attemptTimeout: Duration = .seconds(30)

    func issue() throws(RemoteError) -> IssuedToken {
        var attempt = 0
        while true {
            do throws(RemoteError) {
                let token = try issueOnce()
                Log.info("got a token from \(credentials)")
                return token
            } catch let error where attempt < retryDelays.count && RetryPolicy().isRetryable(error) {
                Log.warning("asking IAM for a token failed (\(error)); trying again in \(retryDelays[attempt])")
                sleepFor(retryDelays[attempt])
                attempt += 1
            }
        }
    }

    private func issueOnce() throws(RemoteError) -> IssuedToken {
        let request = IAMRequest(credentials)
        let handle = try pool.checkOut()
        defer { pool.checkIn(handle) }
        let answer = try CurlExchange.post(request.body, to: request.url, headers: IAMRequest.headers,
                                           timeout: attemptTimeout, on: handle)
        return try request.token(from: answer, now: .now(), password: credentials.password)
    }
}

extension Timestamp {
    /// The wall clock now (CLOCK_REALTIME).
    static func now() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(seconds: Int64(now.tv_sec), nanoseconds: Int32(now.tv_nsec))
    }
}
