import LogDump

/// CloudDCAPI over libcurl: the server listing, export requests and their status, on the
/// download endpoint with the same token. Each call blocks its thread; it is retried as
/// downloads are (RetryPolicy: throttling, server errors and network failures, with
/// backoff and the server's Retry-After, until the policy's deadline), renews the token
/// once after a 401, and takes a permit of one ConcurrencyLimiter, so a throttling server
/// sees fewer calls at once, not more. Thread-safe.
public final class CurlCloudDC: CloudDCAPI {
    public let endpoint: Endpoint
    private let authorizer: any RequestAuthorizer
    private let options: CurlOptions
    private let policy: RetryPolicy
    private let limiter: ConcurrencyLimiter
    private let pool: CurlHandlePool

    /// A page of 1000 servers is a few hundred KiB; more than this is not an answer.
    static let bodyLimit = 32 << 20

    /// Requests carry `X-Auth-Token` from `token`.
    public convenience init(endpoint: Endpoint, token: any TokenSource, options: CurlOptions = CurlOptions(),
                            policy: RetryPolicy = RetryPolicy(), maxConcurrency: Int = 8) {
        self.init(endpoint: endpoint, authorizer: TokenAuthorizer(token), options: options, policy: policy,
                  maxConcurrency: maxConcurrency)
    }

    public init(endpoint: Endpoint, authorizer: any RequestAuthorizer, options: CurlOptions = CurlOptions(),
                policy: RetryPolicy = RetryPolicy(), maxConcurrency: Int = 8) {
        self.endpoint = endpoint
        self.authorizer = authorizer
        self.options = options
        self.policy = policy
        limiter = ConcurrencyLimiter(maxConcurrency: maxConcurrency)
        pool = CurlHandlePool(options: options, maxIdle: max(1, maxConcurrency))
    }

    public func listServers(project: String, marker: String?, limit: Int,
                            manageState: String?) throws(RemoteError) -> ServerPage {
        var query = ["limit=\(min(max(limit, 10), 1000))"]
        if let marker { query.append("marker=" + ExportLocation.encodeSegment(marker)) }
        if let manageState { query.append("manage_state=" + ExportLocation.encodeSegment(manageState)) }
        let body = try call(nil, serversPath(project) + "?" + query.joined(separator: "&"), project: project,
                            what: "the servers of project \(project.quotedForLog())")
        return try CloudDCAnswers.serverPage(body)
    }

    public func requestExport(project: String, server: String) throws(RemoteError) -> ExportProgress {
        let body = try call("", exportsPath(project, server), project: project,
                            what: "an export of server \(server.quotedForLog())")
        return try CloudDCAnswers.exportProgress(body)
    }

    public func exportStatus(project: String, server: String, export: String) throws(RemoteError) -> ExportProgress {
        let body = try call(nil, exportsPath(project, server) + "/" + ExportLocation.encodeSegment(export), project: project,
                            what: "export \(export.quotedForLog()) of server \(server.quotedForLog())")
        return try CloudDCAnswers.exportProgress(body, exportID: export)
    }

    private func serversPath(_ project: String) -> String {
        "/v1/\(ExportLocation.encodeSegment(project))/physicalservers"
    }

    private func exportsPath(_ project: String, _ server: String) -> String {
        serversPath(project) + "/\(ExportLocation.encodeSegment(server))/logs/exports"
    }

    /// GET (`post` nil) or POST `path` until it succeeds or the policy gives up; the body
    /// of the 2xx answer.
    private func call(_ post: String?, _ path: String, project: String, what: String) throws(RemoteError) -> [UInt8] {
        let url = endpoint.url + path
        let outgoing = OutgoingRequest(method: post == nil ? "GET" : "POST", url: url, projectID: project,
                                       body: Array((post ?? "").utf8))
        var progress = RetryProgress(budget: policy.deadline)
        while true {
            guard let permit = limiter.acquire(until: progress.deadline) else {
                throw progress.lastError ?? .timedOut("no connection to \(endpoint) came free: throttled")
            }
            progress.attempts += 1
            let result = Result { () throws(RemoteError) in
                var serverDate: String?
                return try authorizer.withRenewal(outgoing, serverDate: { serverDate }) { authorization throws(RemoteError) in
                    try once(post, url, authorization: authorization, serverDate: &serverDate)
                }
            }
            switch result {
            case .success(let body):
                permit.release(.succeeded)
                return body
            case .failure(let error):
                permit.release(error.status == 429 ? .throttled : .failed)
                progress.failed(with: error, delivered: 0, refreshDeadline: false)
                guard let wait = policy.delay(after: error, attempt: progress.failuresInARow - 1,
                                              remaining: progress.remaining) else {
                    if policy.isRetryable(error) {
                        Log.warning("giving up on \(what) after \(progress.attempts) attempt(s): \(error)")
                    }
                    throw error
                }
                Log.debug("retrying \(what) in \(wait.secondsText) after attempt \(progress.attempts): \(error)")
                sleepFor(wait)
            }
        }
    }

    /// One request with `authorization`; a non-2xx answer is .http with the server's code
    /// and message (escaped, secrets taken out) and its Retry-After. `serverDate` is set to
    /// the answer's Date header.
    private func once(_ post: String?, _ url: String, authorization: RequestAuthorization,
                      serverDate: inout String?) throws(RemoteError) -> [UInt8] {
        let handle = try pool.checkOut()
        defer { pool.checkIn(handle) }
        let answer = try CurlExchange.send(body: post, to: url,
                                           headers: authorization.headers + ["Accept: application/json"],
                                           timeout: options.stallTimeout, bodyLimit: Self.bodyLimit, on: handle)
        serverDate = answer.headers["date"]
        guard (200..<300).contains(answer.status) else {
            let body = ErrorBody(status: answer.status, body: answer.body, redacting: authorization.secrets)
            throw .http(status: answer.status, code: body.code, message: body.message,
                        retryAfter: answer.headers["retry-after"].flatMap { RetryAfter.parse($0) })
        }
        return answer.body
    }
}
